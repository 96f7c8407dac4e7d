using Labd.Interop;
using Labd.Protocol;

namespace Labd.Agents;

/// <summary>
/// An agent kind's credential files (labd.yaml <c>agents.KIND.credentials</c>): each must be an
/// absolute path to a regular file (not a symlink) owned by root and writable by nobody else,
/// since its content goes into the agent's sandbox as an environment variable. Only paths are
/// ever handled here; the supervisor reads the content at launch.
/// </summary>
internal static class AgentCredentials
{
    internal const int GroupOrOtherWritable = 0b000_010_010;

    public static void Check(string kind, IReadOnlyDictionary<string, string> credentials)
    {
        foreach (var (variable, file) in credentials)
        {
            var fix = $"create it as root: `install -m 0600 -o root -g root /dev/stdin {file}` (paste the key, then Ctrl-D), or change labd.yaml's agents.{kind}.credentials.{variable}";
            if (!Path.IsPathFullyQualified(file))
            {
                throw Refused($"credential file '{file}' for agent kind {kind} ({variable}) is not an absolute path; change labd.yaml's agents.{kind}.credentials.{variable}");
            }
            if (DirectoryFd.TryStat(file) is not { } status)
            {
                throw Refused($"credential file {file} for agent kind {kind} ({variable}) does not exist; {fix}");
            }
            if (status.Type != DirectoryFd.TypeRegular)
            {
                throw Refused($"credential file {file} for agent kind {kind} ({variable}) is not a regular file (a symlink or directory?); {fix}");
            }
            if (status.Uid != 0)
            {
                throw Refused($"credential file {file} for agent kind {kind} ({variable}) is owned by uid {status.Uid}, not root; `chown root:root {file} && chmod 0600 {file}`");
            }
            if ((status.Mode & GroupOrOtherWritable) != 0)
            {
                throw Refused($"credential file {file} for agent kind {kind} ({variable}) is writable by group or others; `chmod 0600 {file}`");
            }
        }
    }

    private static LabdException Refused(string message) => new(ErrorCode.BadRequest, message);
}
