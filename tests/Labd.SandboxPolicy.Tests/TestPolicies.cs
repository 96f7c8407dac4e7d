using System.Text;

namespace Labd.SandboxPolicy.Tests;

internal static class TestPolicies
{
    public static string RepoRoot { get; } = FindRoot();

    public static string ShippedDirectory => Path.Combine(RepoRoot, "policies");

    public static PolicyParseResult Parse(string yaml, string file = "t.yaml") =>
        PolicyLoader.Parse(Path.GetFileNameWithoutExtension(file), file, yaml);

    public static PolicySetLoadResult Set(params (string Name, string Yaml)[] files) =>
        PolicySet.Load(files.Select(f => new PolicySource(f.Name, f.Name + ".yaml", Encoding.UTF8.GetBytes(f.Yaml))));

    public static EffectivePolicy Effective(string yaml)
    {
        var result = Set(("t", yaml));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Set.Policies["t"];
    }

    public static IEnumerable<string> Lines(PolicyParseResult result) => result.Diagnostics.Select(d => d.ToString());

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "policies", "default.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (policies/default.yaml) above " + AppContext.BaseDirectory);
    }
}
