using System.CommandLine;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl lab set-policy [--lab L] NAME</c>: move a lab to another loaded policy (owner or admin).</summary>
internal static class LabSetPolicyCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "A loaded policy (see `labctl policy ls`)" };
        var lab = LabOption.Create();
        var command = new Command("set-policy", TrackerCli.Describe(
            "Move a lab to another policy: queued experiments and later agent turns run under it; running ones keep theirs",
            "labctl lab set-policy --lab cifar gpu-research")) { name, lab };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var id = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var response = await client.PostAsync(Routes.LabPolicy(id), new LabPolicyRequest(parseResult.GetValue(name)!),
                ProtocolJsonContext.Default.LabPolicyRequest, ProtocolJsonContext.Default.LabPolicyChange, cancellationToken).ConfigureAwait(false);
            TrackerCli.Print(context, parseResult, response!, (change, output, _) =>
                output.WriteLine(change.Previous == change.Policy
                    ? $"Lab {change.Lab} already uses policy {change.Policy}."
                    : $"Lab {change.Lab}: policy {change.Previous} → {change.Policy}. Queued experiments and later agent turns run under {change.Policy}."));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
