using Labd.IntegrationTests.Daemon;
using Labd.Policy;

namespace Labd.IntegrationTests.Policy;

/// <summary>A policy directory for a test daemon: the shipped policies plus <c>team.yaml</c> (extends default).</summary>
internal static class PolicyDir
{
    public const string Team = "extends: default\ngpus: 2\n";

    public static string Create(TestDir dir)
    {
        var path = dir["policies"];
        Directory.CreateDirectory(path);
        foreach (var source in PolicySources.ReadEmbedded())
        {
            File.WriteAllBytes(Path.Combine(path, source.Name + ".yaml"), source.Content.ToArray());
        }
        File.WriteAllText(Path.Combine(path, "team.yaml"), Team);
        return path;
    }

    public static string Config(string policyDir) => $"""
        policyDir: {policyDir}
        groups:
          users: {TestAccounts.UsersGroup}
          admins: {TestAccounts.AdminsGroup}
        """;
}
