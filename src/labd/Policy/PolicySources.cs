using Labd.SandboxPolicy;

namespace Labd.Policy;

/// <summary>
/// Where policies come from: <c>policyDir</c> when it exists, else the shipped policies
/// embedded in labd (policies/*.yaml in the repository), so a fresh install works.
/// </summary>
internal static class PolicySources
{
    public const string EmbeddedSource = "embedded";
    internal const string ResourcePrefix = "policies/";

    public static PolicyLoad Load(string policyDir)
    {
        if (Directory.Exists(policyDir))
        {
            return new PolicyLoad(PolicySet.LoadDirectory(policyDir), policyDir, Embedded: false);
        }
        return new PolicyLoad(PolicySet.Load(ReadEmbedded()), EmbeddedSource, Embedded: true);
    }

    public static IReadOnlyList<PolicySource> ReadEmbedded()
    {
        var assembly = typeof(PolicySources).Assembly;
        var sources = new List<PolicySource>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(IsPolicy).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var fileName = resource[ResourcePrefix.Length..];
            sources.Add(new PolicySource(Path.GetFileNameWithoutExtension(fileName), $"{EmbeddedSource}:{resource}", buffer.ToArray()));
        }
        return sources;
    }

    private static bool IsPolicy(string resource) =>
        resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) && resource.EndsWith(".yaml", StringComparison.Ordinal);
}
