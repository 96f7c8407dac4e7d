namespace Labd.Tracker;

/// <summary>Log messages of the tracker (event ids 7xxx). <c>Lab</c> becomes LABD_LAB in the journal.</summary>
internal static partial class TrackerLog
{
    [LoggerMessage(7000, LogLevel.Information, "Lab {Lab} registered at {Path} for uid {Owner}")]
    public static partial void LabRegistered(ILogger logger, string lab, string path, int owner);

    [LoggerMessage(7001, LogLevel.Warning, "Lab {Lab}: PROMPT.md not created: {Reason}")]
    public static partial void PromptFailed(ILogger logger, string lab, string reason);

    [LoggerMessage(7002, LogLevel.Information, "Lab {Lab}: idea {Idea} created on {Branch} at {Commit}")]
    public static partial void IdeaCreated(ILogger logger, string lab, int idea, string branch, string commit);
}
