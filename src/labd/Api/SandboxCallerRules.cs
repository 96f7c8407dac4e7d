using Labd.Protocol;

namespace Labd.Api;

/// <summary>
/// What a caller on a sandbox's own socket may reach, before any endpoint runs. An experiment
/// sees only who it is and the version; an agent also its own lab's tracker (ideas, notes,
/// experiments, leaderboard, messages), experiments, GPUs, the guide, lab resolution and its lab's events. Never policy, runs or
/// other labs: the endpoints then check the scope again on every object.
/// </summary>
internal static class SandboxCallerRules
{
    private static readonly string[] Everyone = [Routes.Version, Routes.Self];

    /// <summary>Which lab contains a path: an agent's labctl asks it for its worktree (answered only
    /// with the caller's own lab, see LabService.ResolveAsync); the event stream (its own lab's events
    /// only, see EventReader; appending is for admins).</summary>
    private static readonly string[] AgentExact = [Routes.LabResolve, Routes.Events];
    private static readonly string[] AgentPrefixes = [Routes.Prefix + "/experiments/", Routes.Prefix + "/gpus", Routes.Prefix + "/guide"];

    public static bool Allows(Caller caller, PathString path)
    {
        var text = path.Value ?? "";
        if (Everyone.Contains(text, StringComparer.Ordinal))
        {
            return true;
        }
        if (caller.Kind != CallerKind.Agent || caller.Scope is not { } scope)
        {
            return false;
        }
        var lab = Routes.Lab(scope.LabId);
        return text == lab || AgentExact.Contains(text, StringComparer.Ordinal) || text.StartsWith(lab + "/", StringComparison.Ordinal)
            || AgentPrefixes.Any(p => text.StartsWith(p, StringComparison.Ordinal) || text == p.TrimEnd('/'));
    }

    public static LabdException Refusal(Caller caller, PathString path) => new(
        ErrorCode.Forbidden,
        caller.Kind == CallerKind.Agent
            ? $"{path} is not served on an agent's socket: it reaches its own lab ({Routes.Lab(caller.Scope?.LabId ?? "?")}/...), experiments, GPUs and the guide only"
            : $"{path} is not served on an experiment's socket: it reaches {Routes.Self} and {Routes.Version} only; report metrics through $LAB_METRICS");
}
