using System.CommandLine;
using Labctl.Commands;

namespace Labctl;

/// <summary>
/// The whole command line. Adding a command is one line here plus its file under Commands/.
/// </summary>
internal static class CommandTree
{
    public const string Description =
        "labctl talks to labd, the daemon that runs untrusted coding agents and their experiments in sandboxes.";

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(Description);
        context.Options.AddTo(root);

        root.Subcommands.Add(VersionCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(DoctorCommand.Create(context));
        root.Subcommands.Add(PolicyCommand.Create(context));
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(RunsCommand.Create(context));
        root.Subcommands.Add(LabCommand.Create(context));
        root.Subcommands.Add(IdeaCommand.Create(context));
        root.Subcommands.Add(NoteCommand.Create(context));
        root.Subcommands.Add(TagCommand.Create(context));
        root.Subcommands.Add(MsgCommand.Create(context));
        root.Subcommands.Add(SearchCommand.Create(context));
        root.Subcommands.Add(OrientCommand.Create(context));
        root.Subcommands.Add(LeaderboardCommand.Create(context));
        root.Subcommands.Add(PlotCommand.Create(context));
        root.Subcommands.Add(ExpCommand.Create(context));
        root.Subcommands.Add(GpuCommand.Create(context));
        root.Subcommands.Add(EventsCommand.Create(context));
        root.Subcommands.Add(AgentCommand.Create(context));
        root.Subcommands.Add(GuideCommand.Create(context));
        root.Subcommands.Add(CompletionCommand.Create(context));
        root.Subcommands.Add(McpCommand.Create(context));

        HelpEpilogue.Attach(root);
        return root;
    }
}
