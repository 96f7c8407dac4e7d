namespace Labd.Policy;

/// <summary>
/// The first load, before the API listens: an invalid set stops labd (exit 78, like an invalid
/// labd.yaml) with every diagnostic on stderr, so a daemon never serves without policies.
/// </summary>
internal static class PolicyStartup
{
    /// <summary>The registry, or null after printing every error to <paramref name="error"/>.</summary>
    public static PolicyRegistry? Load(string policyDir, TextWriter error)
    {
        var load = PolicySources.Load(policyDir);
        foreach (var diagnostic in load.Result.Diagnostics)
        {
            error.WriteLine(diagnostic.ToString());
        }
        if (!load.Result.Success)
        {
            error.WriteLine($"labd: the policies in {load.Source} are invalid ({load.Result.Errors.Count()} error(s)); fix them (`labctl policy check {policyDir}/*.yaml`) and start labd again");
            return null;
        }
        return new PolicyRegistry(load.Result.Set, load.Source, load.Embedded);
    }

    /// <summary>Logs what was loaded once logging is up.</summary>
    public static void LogLoaded(PolicyRegistry registry, string policyDir, ILogger logger)
    {
        var current = registry.Current;
        if (current.Embedded)
        {
            PolicyLog.UsingEmbedded(logger, policyDir);
        }
        PolicyLog.Loaded(logger, current.Policies.Count, current.Source, current.Generation);
    }
}
