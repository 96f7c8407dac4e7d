namespace Labctl.Output;

/// <summary>ANSI colours, applied only when the console allows them.</summary>
internal static class Paint
{
    public const string Green = "\u001b[32m";
    public const string Yellow = "\u001b[33m";
    public const string Red = "\u001b[31m";
    public const string Bold = "\u001b[1m";
    internal const string Reset = "\u001b[0m";

    public static string Apply(bool useColor, string? color, string text) =>
        useColor && color is not null ? color + text + Reset : text;
}
