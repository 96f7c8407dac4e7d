using Labd.Git;
using Labd.Tracker;

namespace Labd.Agents;

/// <summary>
/// The one rule for what an agent reads: its role prompt (<c>PROMPT.&lt;role&gt;.md</c>, else
/// <c>PROMPT.md</c>) and a custom command's script come from the tip of the lab's main branch,
/// while experiments snapshot the working tree. Before a start, each such file is compared between
/// main's tip and the working tree (read with the lab owner's identity); an uncommitted, changed or
/// deleted one is named, with the git command that commits it.
/// </summary>
internal static class AgentSources
{
    /// <summary>Files larger than this are compared by their first this-many bytes.</summary>
    internal const int MaxCompareBytes = 16 << 20;

    private static readonly System.Buffers.SearchValues<char> ShellBreaks = System.Buffers.SearchValues.Create(";&|<>()`\n");

    /// <summary>One line per file the agent would get differently from the working tree; empty when none.</summary>
    public static IReadOnlyList<string> Differences(LabRow lab, string role, IReadOnlyList<string>? command)
    {
        using var repository = LabRepository.Open(lab.Path, lab.OwnerUid);
        var problems = new List<string>();
        foreach (var prompt in AgentPrompt.PromptFiles(role))
        {
            var state = Compare(repository, lab, prompt);
            if (state != FileState.Absent)
            {
                if (Describe(lab, prompt, state) is { } problem)
                {
                    problems.Add(problem);
                }
                break;
            }
        }
        foreach (var word in ScriptWords(command).Take(2))
        {
            if (!IsLabRelative(word))
            {
                continue;
            }
            var state = Compare(repository, lab, Normalize(word));
            if (state == FileState.Absent && !word.Contains('/', StringComparison.Ordinal))
            {
                // A bare word that is no file in the lab is a program on PATH (sh, python3).
                continue;
            }
            if (Describe(lab, Normalize(word), state) is { } problem)
            {
                problems.Add("the agent command's " + problem);
            }
            break;
        }
        return problems;
    }

    /// <summary>The words a command starts with: a <c>sh -c SCRIPT</c>'s script split on blanks up to
    /// its first shell operator (no quoting rules: a guess, used only to name files to check), else the argv.</summary>
    internal static IEnumerable<string> ScriptWords(IReadOnlyList<string>? command)
    {
        if (command is null)
        {
            return [];
        }
        if (command is [var shell, "-c", var script, ..] && Path.GetFileName(shell) is "sh" or "bash" or "dash")
        {
            var end = script.IndexOfAny(ShellBreaks);
            return (end < 0 ? script : script[..end]).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('"', '\''));
        }
        return command;
    }

    private static bool IsLabRelative(string word) =>
        word.Length > 0 && word[0] is not ('/' or '-' or '$' or '~' or '=')
        && !word.Contains('=', StringComparison.Ordinal) && !word.Contains('*', StringComparison.Ordinal)
        && !word.Split('/').Contains("..", StringComparer.Ordinal);

    private static string Normalize(string word) => string.Join('/', word.Split('/').Where(p => p is not ("" or ".")));

    private static string? Describe(LabRow lab, string file, FileState state) => state switch
    {
        FileState.Uncommitted => $"{file} is not committed on {lab.MainBranch} (agents read {lab.MainBranch}'s tip, not the working tree); in {lab.Path} run `{Commit(file)}`",
        FileState.Differs => $"{file} differs between {lab.MainBranch}'s tip and the working tree (agents read {lab.MainBranch}'s tip); in {lab.Path} run `{Commit(file)}`",
        FileState.Deleted => $"{file} is deleted in the working tree but still on {lab.MainBranch} (agents read {lab.MainBranch}'s tip); in {lab.Path} run `git rm {file} && git commit -m 'Remove {file}'`",
        FileState.Absent => $"{file} is in neither {lab.MainBranch}'s tip nor the working tree of {lab.Path}",
        _ => null,
    };

    private static string Commit(string file) => $"git add {file} && git commit -m 'Update {file}'";

    private static FileState Compare(LabRepository repository, LabRow lab, string file)
    {
        var committed = repository.ReadFile(lab.MainBranch, file, MaxCompareBytes);
        var working = OwnerThread.Run(lab.OwnerUid, repository.OwnerGid, () => ReadWorking(Path.Join(lab.Path, file)));
        return (committed, working) switch
        {
            (null, null) => FileState.Absent,
            (null, _) => FileState.Uncommitted,
            (_, null) => FileState.Deleted,
            _ => committed.AsSpan().SequenceEqual(working) ? FileState.Same : FileState.Differs,
        };
    }

    /// <summary>The working tree's file as its owner may read it; null when it is missing or not a regular file.</summary>
    private static byte[]? ReadWorking(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[(int)Math.Min(stream.Length, MaxCompareBytes)];
            stream.ReadExactly(buffer);
            return buffer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private enum FileState
    {
        Absent,
        Same,
        Uncommitted,
        Differs,
        Deleted,
    }
}
