using System.CommandLine;
using System.Globalization;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl gpu ls</c>: each GPU free, leased (experiment, lab, owner) or busy outside labd.</summary>
internal static class GpuCommand
{
    public static Command Create(CliContext context)
    {
        var gpu = new Command("gpu", "GPUs and their leases");
        var list = new Command("ls", "List GPUs: free, leased to an experiment, or busy with a process labd did not start");
        list.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GetAsync(Routes.Gpus, ProtocolJsonContext.Default.IReadOnlyListGpuState, cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }
            var table = new Table("GPU", "STATE", "EXPERIMENT", "LAB", "OWNER");
            foreach (var g in response.Value)
            {
                table.Add(g.Index.ToString(CultureInfo.InvariantCulture), g.State, g.Experiment ?? "", g.Lab ?? "", g.Owner ?? "");
            }
            table.Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        gpu.Subcommands.Add(list);
        return gpu;
    }
}
