namespace Labd.Protocol;

/// <summary>
/// Stable machine-readable error codes carried in the <c>code</c> member of every
/// <c>application/problem+json</c> response. The string form (kebab-case) is the wire value;
/// never renumber or rename an existing member, only add.
/// </summary>
public enum ErrorCode
{
    Internal,
    BadRequest,
    NotFound,
    Forbidden,
    NotAMember,
    Conflict,
    Unavailable,
    PolicyInvalid,
    PolicyNotFound,
    SandboxUnavailable,
    SandboxSetupFailed,
    RunNotFound,
    MethodNotAllowed,
    LabNotFound,
    IdeaNotFound,
    ExperimentNotFound,
    NotARepository,
    MergeConflict,
    AgentNotFound,
    RateLimited,
}
