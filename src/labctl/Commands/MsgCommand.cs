using System.CommandLine;
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
        var to = new Option<string?>("--to") { Description = "all (default), user, role:R or agent:ID", HelpName = "WHO" };
        var lab = LabOption.Create();
        var send = new Command("send", TrackerCli.Describe("Send a message", "labctl msg send \"GPU 2 is flaky, avoid it\" --to all")) { text, to, lab };
        send.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, id => Routes.LabMessages(id),
            new MessageSendRequest(parseResult.GetValue(text)!, parseResult.GetValue(to)), ProtocolJsonContext.Default.MessageSendRequest, ProtocolJsonContext.Default.MessageRecord,
            (message, output, _) => output.WriteLine($"Message {TrackerCli.Int(message.Id)} sent to {message.Recipient}"), cancellationToken));
        msg.Subcommands.Add(send);

        var unread = new Option<bool>("--unread") { Description = "Only messages to you that you have not read" };
        var listLab = LabOption.Create();
        var list = new Command("ls", TrackerCli.Describe("List messages (and mark them read)", "labctl msg ls --unread")) { unread, listLab };
        list.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, listLab, id => Routes.LabMessages(id, parseResult.GetValue(unread)),
            ProtocolJsonContext.Default.IReadOnlyListMessageRecord, Render, cancellationToken));
        msg.Subcommands.Add(list);
        return msg;
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
