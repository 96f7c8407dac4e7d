namespace Labctl;

/// <summary>
/// Where a command writes and what it may know of its terminal and environment; tests give
/// their own writers and environment instead of the process's.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, bool outputIsTerminal, Func<string, string?> getEnvironmentVariable)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org).</summary>
    public bool UseColor { get; } = outputIsTerminal && string.IsNullOrEmpty(getEnvironmentVariable("NO_COLOR"));

    public string? GetEnvironmentVariable(string name) => getEnvironmentVariable(name);

    public static CliConsole FromProcess() =>
        new(Console.Out, Console.Error, !Console.IsOutputRedirected, Environment.GetEnvironmentVariable);
}
