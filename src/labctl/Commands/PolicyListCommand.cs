using System.CommandLine;
using System.Globalization;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl policy ls</c>: the policies labd has loaded; <c>-o json</c> prints labd's document verbatim.</summary>
internal static class PolicyListCommand
{
    public const int HashLength = 12;

    public static Command Create(CliContext context)
    {
        var command = new Command("ls", "List the policies labd has loaded: name, hash, extends chain, GPUs, allow rules");
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(() => RunAsync(context, parseResult, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var client = context.Connect(parseResult);
        var response = await client.GetAsync(Routes.Policies, ProtocolJsonContext.Default.PolicyList, cancellationToken).ConfigureAwait(false);
        var output = context.Console.Out;
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            output.WriteLine(response.Body.TrimEnd('\n'));
            return ExitCodes.Ok;
        }
        var table = new Table("NAME", "HASH", "EXTENDS", "GPUS", "ALLOW");
        foreach (var policy in response.Value.Policies)
        {
            var parents = policy.Chain.Take(policy.Chain.Count - 1).ToList();
            table.Add(
                policy.Name,
                policy.Hash[..Math.Min(HashLength, policy.Hash.Length)],
                parents.Count == 0 ? "-" : string.Join(" > ", parents),
                policy.MaxGpus.ToString(CultureInfo.InvariantCulture),
                policy.AllowCount.ToString(CultureInfo.InvariantCulture));
        }
        table.Write(output, context.Console.UseColor);
        var list = response.Value;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{list.Policies.Count} policies from {(list.Embedded ? "the embedded defaults (create the policy directory to override)" : list.Source)}, generation {list.Generation}"));
        return ExitCodes.Ok;
    }
}
