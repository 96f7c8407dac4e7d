using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Labd.Protocol;

/// <summary>
/// An experiment's label within its lab, <c>exp/IDEA.SEQ</c> (<c>exp/3.2</c>: the second experiment
/// of idea 3). The one place labels are written and read, by labd and labctl alike. Parsing takes
/// <c>exp/3.2</c> or <c>3.2</c>; both numbers are positive decimal integers without sign or spaces.
/// </summary>
public readonly record struct ExperimentLabel(int Idea, int Seq)
{
    /// <summary>What every label starts with.</summary>
    public const string Prefix = "exp/";

    /// <summary><c>3.2</c>: how a route names the experiment (<see cref="Routes.LabExperiment"/>).</summary>
    public string IdeaDotSeq => string.Create(CultureInfo.InvariantCulture, $"{Idea}.{Seq}");

    /// <summary>What a user reads and types: <c>exp/3.2</c>.</summary>
    public override string ToString() => Prefix + IdeaDotSeq;

    public static bool TryParse([NotNullWhen(true)] string? text, out ExperimentLabel label)
    {
        label = default;
        if (text is null)
        {
            return false;
        }
        var span = text.AsSpan();
        if (span.StartsWith(Prefix, StringComparison.Ordinal))
        {
            span = span[Prefix.Length..];
        }
        var dot = span.IndexOf('.');
        if (dot < 0 || !TryPositive(span[..dot], out var idea) || !TryPositive(span[(dot + 1)..], out var seq))
        {
            return false;
        }
        label = new ExperimentLabel(idea, seq);
        return true;
    }

    /// <summary>The label <paramref name="text"/> names, or a <see cref="FormatException"/> whose message says how to write one.</summary>
    public static ExperimentLabel Parse(string text) =>
        TryParse(text, out var label) ? label : throw new FormatException(NotALabel(text));

    /// <summary>The one-line error for text that is neither a label nor (where one is accepted) a numeric id.</summary>
    public static string NotALabel(string text) =>
        $"'{text}' is not an experiment label; write exp/IDEA.SEQ like exp/3.2, or the numeric id";

    private static bool TryPositive(ReadOnlySpan<char> digits, out int value) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
