using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// Every policy of a directory, resolved and validated together. labd holds the current set
/// and swaps it atomically on reload; a set with any error is never produced, so the last
/// good set stays in force.
/// </summary>
public sealed class PolicySet
{
    private PolicySet(ImmutableSortedDictionary<string, EffectivePolicy> policies) => Policies = policies;

    /// <summary>Effective policies by name (file name without <c>.yaml</c>).</summary>
    public ImmutableSortedDictionary<string, EffectivePolicy> Policies { get; }

    public EffectivePolicy? Find(string name) => Policies.GetValueOrDefault(name);

    /// <summary>Loads every <c>*.yaml</c> file directly in <paramref name="directory"/>.</summary>
    public static PolicySetLoadResult LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new PolicySetLoadResult(null, [new Diagnostic(DiagnosticSeverity.Error, DiagnosticCodes.ReadFailed, $"policy directory '{directory}' does not exist", new SourceLocation(directory, 1, 1))]);
        }

        var sources = new List<PolicySource>();
        var diagnostics = new DiagnosticBag();
        IEnumerable<string> paths;
        try
        {
            paths = [.. Directory.EnumerateFiles(directory, "*.yaml", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(DiagnosticCodes.ReadFailed, $"cannot list '{directory}': {ex.Message}", new SourceLocation(directory, 1, 1));
            return new PolicySetLoadResult(null, diagnostics.ToImmutable());
        }

        foreach (var path in paths)
        {
            var (bytes, error) = PolicyLoader.ReadCapped(path, path);
            if (error is not null)
            {
                diagnostics.AddRange([error]);
            }
            else
            {
                sources.Add(new PolicySource(Path.GetFileNameWithoutExtension(path), path, bytes));
            }
        }

        return Load(sources, diagnostics);
    }

    /// <summary>Loads a set from in-memory sources.</summary>
    public static PolicySetLoadResult Load(IEnumerable<PolicySource> sources) => Load(sources, new DiagnosticBag());

    private static PolicySetLoadResult Load(IEnumerable<PolicySource> sources, DiagnosticBag diagnostics)
    {
        var files = new Dictionary<string, PolicyFile>(StringComparer.Ordinal);
        var invalid = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            if (!PolicyNames.IsValid(source.Name))
            {
                diagnostics.Error(DiagnosticCodes.BadPolicyName, $"'{HostName.Display(source.Name)}' is not a valid policy name", new SourceLocation(source.DisplayPath, 1, 1), "rename the file: lowercase letters, digits, '.', '_' or '-'");
                invalid.Add(source.Name);
                continue;
            }

            var parsed = PolicyLoader.Parse(source.Name, source.DisplayPath, source.Content.Span);
            diagnostics.AddRange(parsed.Diagnostics);
            if (parsed.Policy is { } policy)
            {
                files[source.Name] = policy;
            }
            else
            {
                invalid.Add(source.Name);
            }
        }

        var resolved = PolicyResolver.Resolve(files, invalid, diagnostics);
        return diagnostics.HasErrors
            ? new PolicySetLoadResult(null, diagnostics.ToImmutable())
            : new PolicySetLoadResult(new PolicySet(resolved), diagnostics.ToImmutable());
    }
}
