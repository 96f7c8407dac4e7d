using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl policy show NAME</c>: the effective policy (after <c>extends</c>) as canonical YAML; <c>-o json</c> gives labd's record.</summary>
internal static class PolicyShowCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Policy name (file name without .yaml)" };
        var command = new Command("show", "Show a policy as labd enforces it, after extends") { name };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(() => RunAsync(context, parseResult, parseResult.GetValue(name) ?? "", cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parseResult, string name, CancellationToken cancellationToken)
    {
        using var client = context.Connect(parseResult);
        var response = await client.GetAsync(Routes.PolicyOf(name), ProtocolJsonContext.Default.PolicyDetail, cancellationToken).ConfigureAwait(false);
        var output = context.Console.Out;
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            output.WriteLine(response.Body.TrimEnd('\n'));
            return ExitCodes.Ok;
        }
        var policy = response.Value;
        output.WriteLine(TerminalText.Line($"# {policy.Name}: {string.Join(" > ", policy.Chain)} (from {policy.Source})"));
        output.WriteLine($"# sha256 {policy.Hash}");
        output.Write(policy.Yaml);
        if (!policy.Yaml.EndsWith('\n'))
        {
            output.WriteLine();
        }
        return ExitCodes.Ok;
    }
}
