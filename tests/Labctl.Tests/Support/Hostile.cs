using System.Text.Json;
using Labd.Protocol;

namespace Labctl.Tests.Support;

/// <summary>labd's documents with agent-written text that carries terminal escape sequences.</summary>
internal static class Hostile
{
    /// <summary>OSC 52 (sets the clipboard), CSI 2J (clears the screen), OSC 8 (a hidden link), a C1 CSI, a newline and DEL.</summary>
    public const string Text = "ok\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u001b]8;;http://evil\u001b\\link\u009b31m\nnext\u007f";

    /// <summary>How labctl prints <see cref="Text"/> in a table cell or field.</summary>
    public const string Escaped = @"ok\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]8;;http://evil\x1b\link\x9b31m\nnext\x7f";

    private static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static IdeaRecord Idea => new(3, Text, Text, IdeaRecord.Active, [], "idea/3", "abc123", Text, "agent:7", At, At);

    public static NoteRecord Note => new(1, 3, null, "insight", Text, "agent:7", At);

    public static MessageRecord Message => new(4, "agent:7", "all", Text, At, false);

    public static ExperimentRecord Experiment => new(
        12, "exp/3.1", "cifar", 3, 1, "abc123", ["sh", "-c", Text], new Dictionary<string, string> { ["k"] = Text }, [Text], 0, null, null, 0,
        "agent:7", ExperimentRecord.Failed, Text, null, 1, null, At, At, At);

    public static AgentRecord Agent => new(
        7, "cifar", Text, Text, ["/bin/sh", "-c", Text], AgentRecord.Failed, Text, null, null, null, null, 1, 0, 0, 0, "agent/7", "/w", "default", "user:1000", At, null, At, null);

    public static string Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    public static string Ideas => Json<IReadOnlyList<IdeaRecord>>([Idea], ProtocolJsonContext.Default.IReadOnlyListIdeaRecord);

    public static string IdeaDetail => Json(new IdeaDetail(Idea, [Note], new Dictionary<string, long>(), "score", null), ProtocolJsonContext.Default.IdeaDetail);

    public static string Notes => Json<IReadOnlyList<NoteRecord>>([Note], ProtocolJsonContext.Default.IReadOnlyListNoteRecord);

    public static string Messages => Json<IReadOnlyList<MessageRecord>>([Message], ProtocolJsonContext.Default.IReadOnlyListMessageRecord);

    public static string Leaderboard => Json(
        new Leaderboard("score", LabMetric.Max, null, [new LeaderboardEntry(1, "exp/3.1", 12, 3, 0.9, null, null, [Text], "abc123")]),
        ProtocolJsonContext.Default.Leaderboard);

    public static string Experiments => Json<IReadOnlyList<ExperimentRecord>>([Experiment], ProtocolJsonContext.Default.IReadOnlyListExperimentRecord);

    public static string ExperimentDocument => Json(Experiment, ProtocolJsonContext.Default.ExperimentRecord);

    public static string Agents => Json<IReadOnlyList<AgentRecord>>([Agent], ProtocolJsonContext.Default.IReadOnlyListAgentRecord);

    public static string AgentDocument => Json(Agent, ProtocolJsonContext.Default.AgentRecord);

    public static string Orientation => Json(
        new Orientation("cifar", "score", LabMetric.Max, [new OrientIdea(3, Text, null)], [], [],
            null, [new OrientExperiment(12, "exp/3.1", 3, ExperimentRecord.Failed, Text, At, At, At)], [Message], [new OrientIdea(5, Text, null)]),
        ProtocolJsonContext.Default.Orientation);

    public static string Search => Json<IReadOnlyList<SearchHit>>([new SearchHit("note", "note/1", Text, 1)], ProtocolJsonContext.Default.IReadOnlyListSearchHit);
}
