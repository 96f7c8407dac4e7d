namespace Labctl.Tests.Support;

/// <summary>What one labctl invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";
}
