using Labd.Protocol;

namespace Labd;

/// <summary>
/// A failure the caller should see: carries a stable <see cref="ErrorCode"/> and a message
/// that names the next step. The API turns it into <c>application/problem+json</c>.
/// </summary>
internal sealed class LabdException : Exception
{
    public LabdException()
    {
    }

    public LabdException(string message)
        : base(message)
    {
    }

    public LabdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LabdException(ErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    public ErrorCode Code { get; } = ErrorCode.Internal;
}
