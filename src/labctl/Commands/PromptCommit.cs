using System.Diagnostics;

namespace Labctl.Commands;

/// <summary>
/// <c>lab init --commit</c>: commits PROMPT.md with the user's own git, as the user, in the lab
/// (agents read it from the main branch's tip). Only PROMPT.md: nothing else staged is committed.
/// </summary>
internal static class PromptCommit
{
    public const string Message = "Agent prompt (labctl lab init --commit)";

    /// <summary>The command that commits PROMPT.md in <paramref name="lab"/>, to print.</summary>
    public static string Command(string lab) => $"git -C {lab} add PROMPT.md && git -C {lab} commit -m 'Agent prompt' -- PROMPT.md";

    public static async Task<(bool Failed, string Message)> RunAsync(string lab, CancellationToken cancellationToken)
    {
        var status = await GitAsync(lab, cancellationToken, "status", "--porcelain", "--", "PROMPT.md").ConfigureAwait(false);
        if (status.Code != 0)
        {
            return (true, $"PROMPT.md was not committed: `git status` failed ({status.Output}); run `{Command(lab)}`");
        }
        if (status.Output.Length == 0)
        {
            return (false, "PROMPT.md is committed as it is; nothing to commit.");
        }
        var add = await GitAsync(lab, cancellationToken, "add", "--", "PROMPT.md").ConfigureAwait(false);
        var commit = add.Code == 0 ? await GitAsync(lab, cancellationToken, "commit", "-q", "-m", Message, "--", "PROMPT.md").ConfigureAwait(false) : add;
        return commit.Code == 0
            ? (false, "Committed PROMPT.md: agents read it from the main branch (commit again after editing it).")
            : (true, $"PROMPT.md was not committed: git said {commit.Output}; fix that and run `{Command(lab)}`");
    }

    private static async Task<(int Code, string Output)> GitAsync(string lab, CancellationToken cancellationToken, params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-C");
        info.ArgumentList.Add(lab);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var output = (await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false)).Trim();
            // One line: git's first, which names the problem (e.g. "Please tell me who you are").
            return (process.ExitCode, output.Split('\n')[0]);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"git could not be started ({e.Message})");
        }
    }
}
