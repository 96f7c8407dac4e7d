namespace Labd.Runs;

/// <summary>The sandbox cannot be set up safely; the target never started.</summary>
internal sealed class SandboxSetupException : Exception
{
    public SandboxSetupException(string message)
        : base(message)
    {
    }

    public SandboxSetupException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SandboxSetupException()
    {
    }
}
