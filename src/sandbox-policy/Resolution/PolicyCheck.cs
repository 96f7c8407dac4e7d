using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// <c>labctl policy check FILE...</c> without the daemon: each file is validated, and an
/// <c>extends: NAME</c> is resolved against <c>NAME.yaml</c> in the file's own directory, then
/// in the given search directories (e.g. /etc/labd/policies).
/// </summary>
public static class PolicyCheck
{
    public static PolicyCheckResult CheckFiles(IEnumerable<string> paths, IEnumerable<string>? searchDirectories = null)
    {
        var diagnostics = new DiagnosticBag();
        var policies = ImmutableArray.CreateBuilder<EffectivePolicy>();
        var extra = searchDirectories?.ToList() ?? [];
        foreach (var path in paths)
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var files = new Dictionary<string, PolicyFile>(StringComparer.Ordinal);
            var invalid = new HashSet<string>(StringComparer.Ordinal);
            var parsed = PolicyLoader.ParseFile(path);
            diagnostics.AddRange(parsed.Diagnostics);
            if (parsed.Policy is not { } policy)
            {
                continue;
            }

            files[name] = policy with { Name = name };
            var local = new DiagnosticBag();
            var directories = new[] { Path.GetDirectoryName(Path.GetFullPath(path)) ?? "." }.Concat(extra).ToList();
            for (var next = policy.Extends?.Value; next is not null && !files.ContainsKey(next) && !invalid.Contains(next) && files.Count <= PolicyResolver.MaxChain;)
            {
                var found = directories.Select(d => Path.Combine(d, next + ".yaml")).FirstOrDefault(File.Exists);
                if (found is null)
                {
                    break;
                }

                var parent = PolicyLoader.ParseFile(found);
                local.AddRange(parent.Diagnostics.Where(d => d.IsError));
                if (parent.Policy is { } p)
                {
                    files[next] = p;
                    next = p.Extends?.Value;
                }
                else
                {
                    invalid.Add(next);
                }
            }

            diagnostics.AddRange(local.ToImmutable());
            var resolved = PolicyResolver.Resolve(files, invalid, diagnostics);
            if (!local.HasErrors && resolved.TryGetValue(name, out var effective))
            {
                policies.Add(effective);
            }
        }

        return new PolicyCheckResult(diagnostics.ToImmutable(), policies.ToImmutable());
    }
}
