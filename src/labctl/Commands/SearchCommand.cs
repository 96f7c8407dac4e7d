using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl search TEXT</c>: full-text search over the lab's ideas, notes, experiments and messages.</summary>
internal static class SearchCommand
{
    public static Command Create(CliContext context)
    {
        var text = new Argument<string[]>("TEXT") { Description = "Words to find (all must occur; searched literally)", Arity = ArgumentArity.OneOrMore };
        var limit = new Option<int?>("--limit") { Description = "At most this many results (default 20)", HelpName = "N" };
        var lab = LabOption.Create();
        var command = new Command("search", TrackerCli.Describe("Search the lab's ideas, notes, experiments and messages, best match first", "labctl search warmup cosine")) { text, limit, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, lab,
            id => Routes.LabSearch(id, string.Join(' ', parseResult.GetValue(text) ?? []), parseResult.GetValue(limit)),
            ProtocolJsonContext.Default.IReadOnlyListSearchHit, (hits, output, color) =>
            {
                var table = new Table("KIND", "REF", "MATCH");
                foreach (var hit in hits)
                {
                    table.Add(hit.Kind, hit.Ref, hit.Snippet.ReplaceLineEndings(" "));
                }
                table.Write(output, color);
            }, cancellationToken));
        return command;
    }
}
