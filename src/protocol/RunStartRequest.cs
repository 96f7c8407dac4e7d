namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/runs</c>.</summary>
/// <param name="Command">argv of the target, resolved inside the sandbox.</param>
/// <param name="WorkingDirectory">The caller's working directory: owned by the caller; becomes <c>${LAB}</c> and <c>${WORKTREE}</c>.</param>
/// <param name="Policy">Policy name; <c>default</c> when null.</param>
/// <param name="Gpus">GPUs to lease (0 when null).</param>
/// <param name="TimeoutSeconds">Wall-clock limit; the policy's own limit still applies when shorter.</param>
/// <param name="Environment">The caller's values for the policy's <c>env.pass</c> variables.</param>
public sealed record RunStartRequest(
    IReadOnlyList<string> Command,
    string WorkingDirectory,
    string? Policy = null,
    int? Gpus = null,
    long? TimeoutSeconds = null,
    IReadOnlyDictionary<string, string>? Environment = null);
