namespace Labd.Tracker;

/// <summary>Where labd keeps per-lab files: <c>&lt;StateDirectory&gt;/labs/&lt;id&gt;/</c> (worktrees, run directories).</summary>
internal sealed class TrackerOptions
{
    public required string StateDirectory { get; init; }

    public string LabDirectory(string id) => Path.Combine(StateDirectory, "labs", id);
}
