using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>What to run, where, and under which compiled policy.</summary>
/// <param name="Spec">The compiled policy (files, egress, limits, environment).</param>
/// <param name="Command">argv of the target, resolved inside the sandbox.</param>
/// <param name="WorkingDirectory">Absolute path inside the sandbox (usually the worktree).</param>
/// <param name="Gpus">Leased GPU indices (host numbering), already granted by the scheduler.</param>
/// <param name="ExtraEnvironment">Variables set on top of the spec's (e.g. LAB_EXPERIMENT).</param>
internal sealed record RunRequest(
    SandboxSpec Spec,
    IReadOnlyList<string> Command,
    string WorkingDirectory,
    IReadOnlyList<int> Gpus,
    IReadOnlyDictionary<string, string> ExtraEnvironment)
{
    /// <summary>Run id; a fresh one when null. Also names the run directory and the systemd unit.</summary>
    public string? RunId { get; init; }

    /// <summary>The caller's environment, source of the spec's passthrough variables.</summary>
    public IReadOnlyDictionary<string, string> CallerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Who connects through the sandbox's own <c>/run/lab/api.sock</c>; no socket when null.</summary>
    public SandboxApiCaller? ApiCaller { get; init; }
    /// <summary>A tree labd made for this run (an experiment's checkout): handed to the target's host
    /// uid after the lease, before launch, so the target can write it; also gives the run its
    /// target-writable <c>/run/lab</c> metrics and progress files.</summary>
    public string? WritableTree { get; init; }

    /// <summary>When set, only the <see cref="WritableTree"/> entries this uid owns are handed to the
    /// target (a caller's own directory for <c>labctl run</c>); others keep their owner.</summary>
    public int? WritableTreeOwner { get; init; }

    /// <summary>Environment variable name → root-owned file whose content becomes its value, read by
    /// the supervisor at launch (like the spec's secret files): an agent's credentials. Never in
    /// launch.json's environment, never in a log.</summary>
    public IReadOnlyDictionary<string, string> ExtraSecretFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>File name → content, written root-owned 0644 into the run's lab directory
    /// (<c>/run/lab/NAME</c> inside): an agent's prompt and MCP configuration.</summary>
    public IReadOnlyDictionary<string, string> LabFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>A file inside the sandbox (usually one of <see cref="LabFiles"/>) that the target
    /// reads as its stdin; none when null.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Negative-control arms of the escape suite only. The API never sets this.</summary>
    internal SandboxWeakening Weakening { get; init; }
}
