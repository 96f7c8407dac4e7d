using System.CommandLine;
using System.Globalization;
using Labctl.Output;

namespace Labctl.Commands;

/// <summary><c>labctl gpu ls</c>: each GPU free, leased (to an experiment: experiment, lab, owner; to a
/// <c>labctl run</c>: run, owner) or busy outside labd.</summary>
internal static class GpuCommand
{
    public static Command Create(CliContext context)
    {
        var gpu = new Command("gpu", "GPUs and their leases");
        var list = new Command("ls", "List GPUs: free, leased to an experiment or a run, or busy with a process labd did not start");
        list.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GpusAsync(cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }
            var table = new Table("GPU", "STATE", "EXPERIMENT", "LAB", "RUN", "OWNER");
            foreach (var g in response.Value)
            {
                table.Add(g.Index.ToString(CultureInfo.InvariantCulture), g.State, g.Experiment ?? "", g.Lab ?? "", g.Run ?? "", g.Owner ?? "");
            }
            table.Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        gpu.Subcommands.Add(list);
        return gpu;
    }
}
