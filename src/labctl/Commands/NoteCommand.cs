using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl note add|ls</c>: the lab's notebook.</summary>
internal static class NoteCommand
{
    private static readonly string[] Levels = ["insight", "milestone", "observation", "debug"];

    public static Command Create(CliContext context)
    {
        var note = new Command("note", "Write and read the lab's notes (insight, milestone, observation, debug)");
        note.Subcommands.Add(Add(context));
        note.Subcommands.Add(List(context));
        return note;
    }

    private static Command Add(CliContext context)
    {
        var text = new Argument<string>("TEXT") { Description = "The note" };
        var idea = new Option<int?>("--idea") { Description = "The idea it is about", HelpName = "N" };
        var level = new Option<string?>("--level") { Description = "insight, milestone, observation (default) or debug", HelpName = "L" };
        level.AcceptOnlyFromAmong(Levels);
        var lab = LabOption.Create();
        var command = new Command("add", TrackerCli.Describe("Add a note", "labctl note add \"lr 3e-4 diverges after 2k steps\" --idea 3 --level insight")) { text, idea, level, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, id => Routes.LabNotes(id),
            new NoteAddRequest(parseResult.GetValue(text)!, parseResult.GetValue(idea), parseResult.GetValue(level)),
            ProtocolJsonContext.Default.NoteAddRequest, ProtocolJsonContext.Default.NoteRecord,
            (note, output, _) => output.WriteLine(TerminalText.Line($"Note {TrackerCli.Int(note.Id)} ({note.Level}) added")), cancellationToken));
        return command;
    }

    private static Command List(CliContext context)
    {
        var idea = new Option<int?>("--idea") { Description = "Only notes about this idea", HelpName = "N" };
        var level = new Option<string?>("--level") { Description = "Only notes at this level", HelpName = "L" };
        level.AcceptOnlyFromAmong(Levels);
        var lab = LabOption.Create();
        var command = new Command("ls", TrackerCli.Describe("List notes, oldest first", "labctl note ls --level insight")) { idea, level, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, lab, id => Routes.LabNotes(id, parseResult.GetValue(idea), parseResult.GetValue(level)),
            ProtocolJsonContext.Default.IReadOnlyListNoteRecord, Render, cancellationToken));
        return command;
    }

    public static void Render(IReadOnlyList<NoteRecord> notes, TextWriter output, bool color)
    {
        var table = new Table("ID", "AT", "LEVEL", "IDEA", "AUTHOR", "TEXT");
        foreach (var note in notes)
        {
            table.Add(TrackerCli.Int(note.Id), TrackerCli.Time(note.At), note.Level, note.Idea is { } i ? TrackerCli.Int(i) : "-", note.Author, note.Text.ReplaceLineEndings(" "));
        }
        table.Write(output, color);
    }
}
