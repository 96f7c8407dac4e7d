using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl idea new|ls|show|conclude|abandon|reopen|activate</c>: ideas are branches <c>idea/&lt;n&gt;</c>.</summary>
internal static class IdeaCommand
{
    public static Command Create(CliContext context)
    {
        var idea = new Command("idea", "Create, list, show ideas (branches idea/<n>) and move them through their statuses");
        idea.Subcommands.Add(New(context));
        idea.Subcommands.Add(Suggest(context));
        idea.Subcommands.Add(List(context));
        idea.Subcommands.Add(Show(context));
        idea.Subcommands.Add(Transition(context, "conclude", "Conclude an active idea with what it showed", "labctl idea conclude 3 --conclusion \"warmup helps +0.4%\"", "--conclusion", required: true));
        idea.Subcommands.Add(Transition(context, "abandon", "Abandon a suggested or active idea", "labctl idea abandon 4 --reason \"diverges\"", "--reason", required: false));
        idea.Subcommands.Add(Transition(context, "reopen", "Make a concluded or abandoned idea active again", "labctl idea reopen 4", null, required: false));
        idea.Subcommands.Add(Transition(context, "activate", "Make a suggested idea active", "labctl idea activate 5", null, required: false));
        return idea;
    }

    private static Command New(CliContext context)
    {
        var title = new Argument<string>("TITLE") { Description = "What the idea tries" };
        var parents = new Option<int[]>("--parent") { Description = "A parent idea (repeatable; none: from the lab's main branch; two or more: a merge)", HelpName = "N" };
        var description = new Option<string?>("--description") { Description = "Longer description", HelpName = "D" };
        var suggest = new Option<bool>("--suggest") { Description = "Record it as suggested (not active yet)" };
        var lab = LabOption.Create();
        var command = new Command("new", TrackerCli.Describe(
            "Create an idea: a branch idea/<n> from the main branch, from a parent, or merging parents",
            "labctl idea new \"cosine schedule\"",
            "labctl idea new \"cosine + mixup\" --parent 2 --parent 3")) { title, parents, description, suggest, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, id => Routes.LabIdeas(id),
            new IdeaNewRequest(parseResult.GetValue(title)!, parseResult.GetValue(parents) ?? [], parseResult.GetValue(description), parseResult.GetValue(suggest)),
            ProtocolJsonContext.Default.IdeaNewRequest, ProtocolJsonContext.Default.IdeaRecord,
            (idea, output, _) => output.WriteLine(TerminalText.Line($"Idea {idea.Number} ({idea.Status}) on branch {idea.Branch} at {TrackerCli.Short(idea.BaseCommit)}: {idea.Title}")),
            cancellationToken));
        return command;
    }

    /// <summary><c>idea suggest TEXT</c>: <c>idea new --suggest</c> for people steering agents; agents see it in orient's suggested ideas.</summary>
    private static Command Suggest(CliContext context)
    {
        var title = new Argument<string>("TEXT") { Description = "What you suggest trying" };
        var description = new Option<string?>("--description") { Description = "Longer description", HelpName = "D" };
        var lab = LabOption.Create();
        var command = new Command("suggest", TrackerCli.Describe(
            "Suggest an idea to the lab's agents: a suggested idea (branch idea/<n>) they see in `labctl orient`",
            "labctl idea suggest \"try label smoothing 0.1\" --description \"the val loss plateaus early\"")) { title, description, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, id => Routes.LabIdeas(id),
            new IdeaNewRequest(parseResult.GetValue(title)!, [], parseResult.GetValue(description), Suggest: true),
            ProtocolJsonContext.Default.IdeaNewRequest, ProtocolJsonContext.Default.IdeaRecord,
            (idea, output, _) => output.WriteLine(TerminalText.Line($"Idea {idea.Number} suggested: {idea.Title}")),
            cancellationToken));
        return command;
    }

    private static Command List(CliContext context)
    {
        var status = new Option<string?>("--status") { Description = "Only ideas with this status", HelpName = "S" };
        status.AcceptOnlyFromAmong(IdeaRecord.Suggested, IdeaRecord.Active, IdeaRecord.Concluded, IdeaRecord.Abandoned);
        var lab = LabOption.Create();
        var command = new Command("ls", TrackerCli.Describe("List the lab's ideas", "labctl idea ls --status active")) { status, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, lab, id => Routes.LabIdeas(id, parseResult.GetValue(status)),
            ProtocolJsonContext.Default.IReadOnlyListIdeaRecord, (ideas, output, color) =>
            {
                var table = new Table("N", "STATUS", "PARENTS", "BRANCH", "TITLE");
                foreach (var idea in ideas)
                {
                    table.Add(TrackerCli.Int(idea.Number), idea.Status, idea.Parents.Count == 0 ? "-" : string.Join(',', idea.Parents), idea.Branch, idea.Title);
                }
                table.Write(output, color);
            }, cancellationToken));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var number = new Argument<int>("N") { Description = "Idea number" };
        var lab = LabOption.Create();
        var command = new Command("show", TrackerCli.Describe("Show an idea: parents, branch, base commit, notes, experiments, best value", "labctl idea show 3")) { number, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, lab, id => Routes.LabIdea(id, parseResult.GetValue(number)),
            ProtocolJsonContext.Default.IdeaDetail, (detail, output, color) =>
            {
                var idea = detail.Idea;
                new KeyValueList()
                    .Add("Idea", TrackerCli.Int(idea.Number))
                    .Add("Title", idea.Title)
                    .Add("Status", idea.Status)
                    .Add("Parents", idea.Parents.Count == 0 ? "none (from the main branch)" : string.Join(", ", idea.Parents))
                    .Add("Branch", idea.Branch)
                    .Add("Base commit", idea.BaseCommit)
                    .Add("Created", $"{TrackerCli.Time(idea.CreatedAt)} by {idea.CreatedBy}")
                    .Add("Description", idea.Description)
                    .Add("Conclusion", idea.Conclusion ?? "")
                    .Add("Experiments", TrackerCli.Counts(detail.Experiments))
                    .Add("Best " + detail.Metric, TrackerCli.Number(detail.Best))
                    .Write(output, color);
                if (detail.Notes.Count > 0)
                {
                    output.WriteLine();
                    NoteCommand.Render(detail.Notes, output, color);
                }
            }, cancellationToken));
        return command;
    }

    private static Command Transition(CliContext context, string action, string what, string example, string? textOption, bool required)
    {
        var number = new Argument<int>("N") { Description = "Idea number" };
        var lab = LabOption.Create();
        var command = new Command(action, TrackerCli.Describe(what, example)) { number, lab };
        Option<string?>? text = null;
        if (textOption is not null)
        {
            text = new Option<string?>(textOption) { Description = required ? "What the idea showed (required)" : "Why", Required = required, HelpName = "TEXT" };
            command.Options.Add(text);
        }
        command.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, id => Routes.LabIdeaAction(id, parseResult.GetValue(number), action),
            new IdeaTransitionRequest(text is null ? null : parseResult.GetValue(text)), ProtocolJsonContext.Default.IdeaTransitionRequest, ProtocolJsonContext.Default.IdeaRecord,
            (idea, output, _) => output.WriteLine(TerminalText.Line($"Idea {idea.Number} is {idea.Status}: {idea.Title}")), cancellationToken));
        return command;
    }
}
