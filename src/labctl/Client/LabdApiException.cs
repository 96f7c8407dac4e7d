using System.Net;
using Labd.Protocol;

namespace Labctl.Client;

/// <summary>labd answered with an <c>application/problem+json</c> error.</summary>
internal sealed class LabdApiException : Exception
{
    public LabdApiException(string code, HttpStatusCode status, string detail)
        : base(detail)
    {
        Code = code;
        Status = status;
        Detail = detail;
    }

    /// <summary>The stable wire code (kebab-case), e.g. <c>not-found</c>.</summary>
    public string Code { get; }

    public HttpStatusCode Status { get; }

    /// <summary>Every finding labd listed (e.g. each policy diagnostic), in order; often empty.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    public string Detail { get; }

    public ErrorCode? KnownCode => ErrorCodes.FromWire(Code);

    public int ExitCode => KnownCode switch
    {
        ErrorCode.NotFound or ErrorCode.RunNotFound or ErrorCode.PolicyNotFound or ErrorCode.LabNotFound or ErrorCode.IdeaNotFound or ErrorCode.ExperimentNotFound or ErrorCode.AgentNotFound => ExitCodes.NotFound,
        ErrorCode.Forbidden or ErrorCode.NotAMember => ExitCodes.PermissionDenied,
        ErrorCode.Conflict or ErrorCode.MergeConflict => ExitCodes.Conflict,
        ErrorCode.BadRequest or ErrorCode.PolicyInvalid or ErrorCode.NotARepository => ExitCodes.Invalid,
        ErrorCode.Unavailable or ErrorCode.SandboxUnavailable or ErrorCode.RateLimited => ExitCodes.Unavailable,
        _ => ExitCodes.Failure,
    };
}
