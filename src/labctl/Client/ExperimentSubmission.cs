using Labd.Protocol;

namespace Labctl.Client;

/// <summary>
/// The one place labctl builds an experiment's submit request, for <c>labctl exp run</c> and the
/// MCP tool <c>lab_exp_run</c> alike. Every field is a parameter without a default, so neither front
/// end can leave one out unnoticed (the MCP tool had lost <c>allowDuplicate</c> and <c>priority</c>).
/// The source to snapshot is the directory labctl runs in (for an agent: its worktree).
/// </summary>
internal static class ExperimentSubmission
{
    public static ExperimentSubmitRequest Request(
        int idea,
        IReadOnlyList<string> words,
        bool afterSeparator,
        int? gpus,
        int? timeoutSeconds,
        IReadOnlyList<string>? tags,
        IReadOnlyDictionary<string, string>? meta,
        int? priority,
        bool? allowDuplicate) =>
        new(
            idea,
            CommandOf(words, afterSeparator),
            Directory.GetCurrentDirectory(),
            gpus,
            timeoutSeconds,
            tags ?? [],
            meta ?? new Dictionary<string, string>(StringComparer.Ordinal),
            priority,
            allowDuplicate);

    /// <summary>
    /// After <c>--</c> (and always for the MCP tool, whose argv is an array): the words as given
    /// (<c>-- true</c> runs <c>true</c> from PATH). Without it, SCRIPT alone: <c>.py</c> → python3
    /// SCRIPT, <c>.sh</c> → sh SCRIPT, else ./SCRIPT; several words: as given.
    /// </summary>
    public static IReadOnlyList<string> CommandOf(IReadOnlyList<string> words, bool afterSeparator = false)
    {
        if (afterSeparator || words.Count != 1)
        {
            return words;
        }
        var script = words[0];
        if (script.EndsWith(".py", StringComparison.Ordinal))
        {
            return ["python3", script];
        }
        if (script.EndsWith(".sh", StringComparison.Ordinal))
        {
            return ["sh", script];
        }
        return [script.Contains('/', StringComparison.Ordinal) ? script : "./" + script];
    }
}
