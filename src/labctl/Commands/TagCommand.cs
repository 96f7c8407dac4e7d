using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl tag ls|rename</c>: experiment tags of a lab.</summary>
internal static class TagCommand
{
    public static Command Create(CliContext context)
    {
        var tag = new Command("tag", "List and rename the lab's experiment tags");
        var lab = LabOption.Create();
        var list = new Command("ls", TrackerCli.Describe("List tags with how many experiments carry each", "labctl tag ls")) { lab };
        list.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, lab, Routes.LabTags, ProtocolJsonContext.Default.IReadOnlyListTagCount, (tags, output, color) =>
        {
            var table = new Table("TAG", "EXPERIMENTS");
            foreach (var t in tags)
            {
                table.Add(t.Tag, TrackerCli.Int(t.Experiments));
            }
            table.Write(output, color);
        }, cancellationToken));
        tag.Subcommands.Add(list);

        var from = new Argument<string>("OLD") { Description = "The tag to rename" };
        var to = new Argument<string>("NEW") { Description = "Its new name (merged into it when it exists)" };
        var renameLab = LabOption.Create();
        var rename = new Command("rename", TrackerCli.Describe("Rename a tag on every experiment of the lab, merging into NEW if it exists", "labctl tag rename base baseline")) { from, to, renameLab };
        rename.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, renameLab, Routes.LabTagRename,
            new TagRenameRequest(parseResult.GetValue(from)!, parseResult.GetValue(to)!), ProtocolJsonContext.Default.TagRenameRequest, ProtocolJsonContext.Default.TagRenameResult,
            (result, output, _) => output.WriteLine(TerminalText.Line($"Renamed {result.From} to {result.To} on {TrackerCli.Int(result.Experiments)} experiments{(result.Merged ? $" (merged into the existing {result.To})" : "")}")),
            cancellationToken));
        tag.Subcommands.Add(rename);
        return tag;
    }
}
