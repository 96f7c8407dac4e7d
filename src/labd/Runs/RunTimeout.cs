using Labd.Protocol;
using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>
/// A timeout a caller asks for (<c>--timeout</c>) against the policy's <c>limits.timeout</c>:
/// positive, and never above the policy's — refused naming the cap, since clamping silently
/// would stop a long run hours before its owner expects.
/// </summary>
internal static class RunTimeout
{
    public static TimeSpan? Check(long? seconds, TimeSpan? cap, string policy)
    {
        if (seconds is not { } asked)
        {
            return null;
        }
        if (asked <= 0)
        {
            throw new LabdException(ErrorCode.BadRequest, $"timeoutSeconds must be positive, got {asked}");
        }
        var timeout = TimeSpan.FromSeconds(asked);
        if (cap is { } limit && timeout > limit)
        {
            var most = ValueParsers.FormatDuration(limit);
            throw new LabdException(ErrorCode.BadRequest, $"--timeout {ValueParsers.FormatDuration(timeout)} is more than policy '{policy}' allows (limits.timeout: {most}); ask for {most} or less, or use a policy with a longer limit");
        }
        return timeout;
    }
}
