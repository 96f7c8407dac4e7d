using System.Text.RegularExpressions;
using Labd.Protocol;

namespace Labd.Events;

/// <summary>
/// What a follower asked for: one lab (null: every lab it may see) and kinds, each a whole kind
/// (<c>exp.end</c>) or a prefix before a dot (<c>exp</c> matches <c>exp.start</c>, <c>exp.end</c>, ...).
/// </summary>
internal sealed partial record EventFilter(string? Lab, IReadOnlyList<string> Kinds)
{
    internal const int MaxKinds = 16;

    /// <summary>From <c>?kind=</c> (repeated or comma-separated); a bad kind is a one-line error naming the form.</summary>
    public static EventFilter Parse(string? lab, IEnumerable<string?> kindParameters)
    {
        var kinds = kindParameters
            .SelectMany(k => (k ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (kinds.Count > MaxKinds)
        {
            throw new LabdException(ErrorCode.BadRequest, $"at most {MaxKinds} kinds per stream, not {kinds.Count}");
        }
        foreach (var kind in kinds)
        {
            if (!KindPattern().IsMatch(kind))
            {
                throw new LabdException(ErrorCode.BadRequest, $"kind '{Printable(kind)}' is not an event kind; give one like exp, exp.end or agent.turn (lowercase words joined by dots)");
            }
        }
        return new EventFilter(string.IsNullOrEmpty(lab) ? null : lab, kinds);
    }

    /// <summary>The SQL condition on events <c>e</c>, with its parameters.</summary>
    public (string Sql, IReadOnlyList<(string Name, object? Value)> Parameters) Where()
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        if (Lab is not null)
        {
            conditions.Add("e.lab_id = $lab");
            parameters.Add(("$lab", Lab));
        }
        if (Kinds.Count > 0)
        {
            var any = new List<string>();
            for (var i = 0; i < Kinds.Count; i++)
            {
                var name = "$k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                any.Add($"e.kind = {name} OR substr(e.kind, 1, length({name}) + 1) = {name} || '.'");
                parameters.Add((name, Kinds[i]));
            }
            conditions.Add("(" + string.Join(" OR ", any) + ")");
        }
        return (conditions.Count == 0 ? "1 = 1" : string.Join(" AND ", conditions), parameters);
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*$")]
    private static partial Regex KindPattern();

    private static string Printable(string text) => new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
