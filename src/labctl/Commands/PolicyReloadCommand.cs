using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl policy reload</c> (admins): labd re-reads its policy directory. An invalid set is
/// refused with every diagnostic (exit 7) and the previous set stays; a valid one prints what changed.
/// </summary>
internal static class PolicyReloadCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("reload", "Make labd re-read its policy directory (admins); refused with every error when invalid");
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(() => RunAsync(context, parseResult, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var client = context.Connect(parseResult);
        var response = await client.PostAsync(Routes.PoliciesReload, ProtocolJsonContext.Default.PolicyReloadResult, cancellationToken).ConfigureAwait(false);
        var output = context.Console.Out;
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            output.WriteLine(response.Body.TrimEnd('\n'));
            return ExitCodes.Ok;
        }
        var result = response.Value;
        foreach (var warning in result.Warnings)
        {
            output.WriteLine(warning);
        }
        output.WriteLine(TerminalText.Line($"reloaded policies from {result.Source}: generation {result.Generation}, {(result.Changes.Count == 0 ? "no changes" : $"{result.Changes.Count} change(s)")}"));
        foreach (var change in result.Changes)
        {
            output.WriteLine(TerminalText.Line($"  {change.Change,-8} {change.Name}  {Short(change.OldHash)} -> {Short(change.NewHash)}"));
        }
        return ExitCodes.Ok;
    }

    private static string Short(string? hash) => hash is null ? "-" : hash[..Math.Min(PolicyListCommand.HashLength, hash.Length)];
}
