using System.Diagnostics;
using Labd.Git;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.Git;

/// <summary>
/// A scratch directory under /tmp with a repository built by the real git CLI (system and
/// global config ignored), handed to an unprivileged owner uid the way a lab is.
/// </summary>
internal sealed class GitBed : IDisposable
{
    public const int Owner = 4242;
    public const int Stranger = 4343;

    public GitBed()
    {
        Root.Require("chowns repositories to another uid and opens them as labd does");
        Dir = Directory.CreateTempSubdirectory("labdt-git-").FullName;
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        Repo = System.IO.Path.Combine(Dir, "repo");
    }

    public string Dir { get; }

    public string Repo { get; }

    public string Path(string relative) => System.IO.Path.Combine(Repo, relative);

    /// <summary>A repository on main with a.txt, dir/b.txt and an executable run.sh, owned by <see cref="Owner"/>.</summary>
    public GitBed WithRepo(string branch = "main")
    {
        Sh($"""
            mkdir -p repo && cd repo && git init -q -b {branch} .
            printf 'a\n' > a.txt && mkdir dir && printf 'b\n' > dir/b.txt
            printf '#!/bin/sh\necho hi\n' > run.sh && chmod 755 run.sh
            git add -A && git commit -q -m init
            """);
        return Owned();
    }

    public GitBed Owned(int uid = Owner)
    {
        Sh($"chown -R {uid}:{uid} repo");
        return this;
    }

    public LabRepository Open() => LabRepository.Open(Repo, Owner);

    /// <summary>Runs a bash script in <see cref="Dir"/>; git in it reads no host config and trusts any owner.</summary>
    public string Sh(string script, int timeoutSeconds = 60)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = Dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOME"] = Dir;
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = System.IO.Path.Combine(Dir, "gitconfig");
        start.Environment["GIT_CONFIG_COUNT"] = "1";
        start.Environment["GIT_CONFIG_KEY_0"] = "safe.directory";
        start.Environment["GIT_CONFIG_VALUE_0"] = "*";
        start.Environment["GIT_AUTHOR_NAME"] = "t";
        start.Environment["GIT_AUTHOR_EMAIL"] = "t@t";
        start.Environment["GIT_COMMITTER_NAME"] = "t";
        start.Environment["GIT_COMMITTER_EMAIL"] = "t@t";
        start.Environment["T"] = Dir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"script timed out: {script}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"script exited {process.ExitCode}: {stderr.Result}\n{script}");
        }
        return stdout.Result;
    }

    /// <summary>git in the repository; output trimmed.</summary>
    public string Git(string arguments) => Sh($"cd repo && git {arguments}").Trim();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
