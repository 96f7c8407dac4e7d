using System.CommandLine;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl msg send|ls</c>: the lab's message board between people and agents.</summary>
internal static class MsgCommand
{
    public static Command Create(CliContext context)
    {
        var msg = new Command("msg", "Send and read messages on the lab's board");
        var text = new Argument<string>("TEXT") { Description = "The message" };
        var to = new Option<string?>("--to") { Description = "all (default: everyone), user (the lab's people), role:R (agents of role R) or agent:ID (one agent)", HelpName = "WHO" };
        var lab = LabOption.Create();
        var send = new Command("send", TrackerCli.Describe("Send a message", "labctl msg send \"GPU 2 is flaky, avoid it\" --to all")) { text, to, lab };
        send.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, id => Routes.LabMessages(id),
            new MessageSendRequest(parseResult.GetValue(text)!, parseResult.GetValue(to)), ProtocolJsonContext.Default.MessageSendRequest, ProtocolJsonContext.Default.MessageRecord,
            (message, output, _) => output.WriteLine(TerminalText.Line($"Message {TrackerCli.Int(message.Id)} sent to {message.Recipient}")), cancellationToken));
        msg.Subcommands.Add(send);

        var unread = new Option<bool>("--unread") { Description = "Only messages to you that you have not read" };
        var listLab = LabOption.Create();
        var list = new Command("ls", TrackerCli.Describe("List messages (and mark them read)", "labctl msg ls --unread")) { unread, listLab };
        list.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, listLab, id => Routes.LabMessages(id, parseResult.GetValue(unread)),
            ProtocolJsonContext.Default.IReadOnlyListMessageRecord, Render, cancellationToken));
        msg.Subcommands.Add(list);
        msg.Subcommands.Add(Wait(context));
        return msg;
    }

    private static Command Wait(CliContext context)
    {
        var timeout = new Option<int?>("--timeout")
        {
            Description = "Give up after this long: 30s, 10m (default), 1h at most",
            HelpName = "D",
            CustomParser = r => AgentTimes.Seconds(r.Tokens.Count == 1 ? r.Tokens[0].Value : "") is { } s and <= 3600 ? s : InvalidTimeout(r),
        };
        var lab = LabOption.Create();
        var command = new Command("wait", TrackerCli.Describe(
            $"Block until an unread message to you arrives, print it (marked read); exit {ExitCodes.TimedOut} when none came in time",
            "labctl msg wait", "labctl msg wait --timeout 30m")) { timeout, lab };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            var seconds = parseResult.GetValue(timeout) ?? DefaultWaitSeconds;
            using var client = context.Connect(parseResult, TimeSpan.FromSeconds(seconds) + LabdClient.DefaultTimeout);
            var labId = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var response = await client.GetAsync(Routes.LabMessagesWait(labId, seconds), ProtocolJsonContext.Default.IReadOnlyListMessageRecord, cancellationToken).ConfigureAwait(false);
            TrackerCli.Print(context, parseResult, response, Render);
            return response.Value.Count > 0 ? ExitCodes.Ok : ExitCodes.TimedOut;
        }));
        return command;
    }

    internal const int DefaultWaitSeconds = 600;

    private static int? InvalidTimeout(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError("--timeout must be a duration up to 1h, such as 30s, 10m or 1h");
        return null;
    }

    public static void Render(IReadOnlyList<MessageRecord> messages, TextWriter output, bool color)
    {
        var table = new Table("ID", "AT", "FROM", "TO", "", "TEXT");
        foreach (var m in messages)
        {
            table.Add(TrackerCli.Int(m.Id), TrackerCli.Time(m.At), m.Sender, m.Recipient, m.Read ? "" : "new", m.Text.ReplaceLineEndings(" "));
        }
        table.Write(output, color);
    }
}
