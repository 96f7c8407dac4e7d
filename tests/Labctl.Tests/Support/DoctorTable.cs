using System.Text.RegularExpressions;

namespace Labctl.Tests.Support;

/// <summary>Reads the rows of <c>labctl doctor</c>'s table back: name → (status, detail).</summary>
internal static partial class DoctorTable
{
    public static Dictionary<string, (string Status, string Detail)> Parse(string output) =>
        output.Split('\n')
            .TakeWhile(line => line.Length > 0)
            .Skip(1)
            .Select(line => Columns().Split(line, 3))
            .ToDictionary(cells => cells[0], cells => (cells[1], cells[2]));

    [GeneratedRegex("  +")]
    private static partial Regex Columns();
}
