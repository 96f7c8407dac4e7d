namespace Labd.Agents;

/// <summary>labd's concise API guide for agents (<c>guide.md</c>, embedded): appended to every turn
/// prompt, served at <c>GET /v1/guide</c> and printed by <c>labctl guide</c>.</summary>
internal static class AgentGuide
{
    private static readonly Lazy<string> Embedded = new(() =>
    {
        using var stream = typeof(AgentGuide).Assembly.GetManifestResourceStream("agents/guide.md")
            ?? throw new InvalidOperationException("the embedded agents/guide.md is missing from labd's assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static string Text => Embedded.Value;
}
