namespace Labd.Protocol;

/// <summary>Wire spelling of <see cref="ErrorCode"/>: kebab-case, stable.</summary>
public static class ErrorCodes
{
    public static string ToWire(this ErrorCode code) => code switch
    {
        ErrorCode.Internal => "internal",
        ErrorCode.BadRequest => "bad-request",
        ErrorCode.NotFound => "not-found",
        ErrorCode.Forbidden => "forbidden",
        ErrorCode.NotAMember => "not-a-member",
        ErrorCode.Conflict => "conflict",
        ErrorCode.Unavailable => "unavailable",
        ErrorCode.PolicyInvalid => "policy-invalid",
        ErrorCode.PolicyNotFound => "policy-not-found",
        ErrorCode.SandboxUnavailable => "sandbox-unavailable",
        ErrorCode.SandboxSetupFailed => "sandbox-setup-failed",
        ErrorCode.RunNotFound => "run-not-found",
        ErrorCode.MethodNotAllowed => "method-not-allowed",
        ErrorCode.LabNotFound => "lab-not-found",
        ErrorCode.IdeaNotFound => "idea-not-found",
        ErrorCode.ExperimentNotFound => "experiment-not-found",
        ErrorCode.NotARepository => "not-a-repository",
        ErrorCode.MergeConflict => "merge-conflict",
        ErrorCode.AgentNotFound => "agent-not-found",
        ErrorCode.RateLimited => "rate-limited",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    public static ErrorCode? FromWire(string? wire)
    {
        foreach (var code in Enum.GetValues<ErrorCode>())
        {
            if (string.Equals(code.ToWire(), wire, StringComparison.Ordinal))
            {
                return code;
            }
        }
        return null;
    }
}
