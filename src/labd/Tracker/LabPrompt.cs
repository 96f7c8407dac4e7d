using System.Text;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.Tracker;

/// <summary>
/// The <c>PROMPT.md</c> a new lab starts with: the research goal, its metrics, and how to run an
/// experiment. Created only when absent, never through a symlink, owned by the lab's owner, 0644.
/// </summary>
internal static class LabPrompt
{
    public const string FileName = "PROMPT.md";
    internal const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Returns whether the file was created (false: something named PROMPT.md already exists).</summary>
    public static bool Scaffold(string root, string labId, IReadOnlyList<LabMetric> metrics, int ownerUid, int ownerGid)
    {
        var text = Render(labId, metrics);
        return ExclusiveFile.TryCreate(root, FileName, Encoding.UTF8.GetBytes(text), ownerUid, ownerGid, Mode);
    }

    public static string Render(string labId, IReadOnlyList<LabMetric> metrics)
    {
        var text = new StringBuilder();
        text.Append("# Lab ").Append(labId).Append("\n\n");
        text.Append("## Research goal\n\nDescribe what this lab tries to find out or improve, and what counts as done.\n\n");
        text.Append("## Metrics\n\n");
        for (var i = 0; i < metrics.Count; i++)
        {
            var m = metrics[i];
            text.Append("- `").Append(m.Name).Append("`: ").Append(m.Direction == LabMetric.Max ? "higher is better (max)" : "lower is better (min)");
            text.Append(i == 0 ? " — the primary metric\n" : "\n");
        }
        text.Append("""

            ## How to run an experiment

            Work on an idea's branch (`labctl idea new "TITLE"` creates `idea/<n>`), then:

                labctl exp run --idea N -- python3 train.py

            labd snapshots your worktree, runs the command in a sandbox, and records the result.
            The last line the command prints to stdout must be the final metrics as JSON:

                {"metrics": {"score": 0.87}}

            Per-step metrics may be appended as JSON lines to the file named by `$LAB_METRICS`, and
            progress to `$LAB_PROGRESS`; both are readable while the experiment runs.

            Start each turn with `labctl orient`; compare results with `labctl leaderboard`; write down
            what you learn with `labctl note add`.

            """);
        return text.ToString();
    }
}
