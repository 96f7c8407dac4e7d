using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.Tracker;

/// <summary>
/// Labs where Debian 12's users keep them: in a home made by <c>adduser</c>, mode 0700, which a
/// sandbox uid cannot search. Everything goes through the real labctl as that user, on a labd
/// serving the shipped (embedded) policies; the lab is under <c>default</c>, which binds
/// <c>${LAB}</c> and <c>${LAB}/.git</c> read-only from the home.
/// </summary>
public sealed class HomeLabTests
{
    /// <summary>Reads the lab through its bind (not the experiment's own copy), writes in its tree, prints metrics.</summary>
    private const string RunScript = """
        read x < "$1/input.txt"
        echo $((x + 1)) > out.txt
        echo "read $x from the lab, wrote $(cat out.txt)"
        echo '{"metrics": {"score": '"$(cat out.txt)"'}}'
        """;

    /// <summary>The real labctl next to the tests, or the Native AOT build CI names in LABCTL_BIN.</summary>
    private static string LabctlPath =>
        Environment.GetEnvironmentVariable("LABCTL_BIN") is { Length: > 0 } aot ? aot : Path.Combine(AppContext.BaseDirectory, "labctl");

    [Fact(Timeout = 180_000)]
    public async Task An_experiment_from_a_lab_in_a_0700_home_reads_the_lab_writes_its_output_and_reports_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct, TestAccounts.UsersGroup);
        var repo = await MakeLabAsync(bed, user, ct);

        var queued = await LabctlOkAsync(bed, user, repo, ct, "exp", "run", "--idea", "1", "--", "sh", "run.sh", repo);
        var (waited, _, waitErr) = await LabctlAsync(bed, user, repo, ct, "exp", "wait", "1");
        var shown = JsonSerializer.Deserialize(await LabctlOkAsync(bed, user, repo, ct, "exp", "show", "1", "-o", "json"), ProtocolJsonContext.Default.ExperimentRecord)!;
        var logs = await LabctlOkAsync(bed, user, repo, ct, "exp", "logs", "1");

        Assert.Contains("exp/1.1", queued, StringComparison.Ordinal);
        Assert.True(waited == 0, $"exp wait exited {waited}: {waitErr}\n{logs}\n{bed.Labd.Output}");
        Assert.Equal(ExperimentRecord.Succeeded, shown.Status);
        Assert.Equal(42.0, shown.Metrics!["score"]);
        Assert.Contains("read 41 from the lab, wrote 42", logs, StringComparison.Ordinal);
        Assert.Equal("42\n", File.ReadAllText(Path.Combine(bed.Labd.StateDir, "labs", "lab", "experiments", shown.Id.ToString(CultureInfo.InvariantCulture), "tree", "out.txt")));
        // Nothing had to be opened up for it.
        Assert.Equal("700", user.HomeMode);
    }

    [Fact(Timeout = 180_000)]
    public async Task An_agent_turn_from_a_lab_in_a_0700_home_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct, TestAccounts.UsersGroup);
        var repo = await MakeLabAsync(bed, user, ct);

        var id = (await LabctlOkAsync(bed, user, repo, ct, "agent", "start", "--lab", "lab", "--agent-command",
            $"echo \"agent read $(cat {repo}/input.txt) and $(cat {repo}/.git/HEAD)\"; echo note > note.txt")).Trim();
        // Follows until the one-turn agent has ended.
        var logs = await LabctlOkAsync(bed, user, repo, ct, "agent", "logs", id, "-f");
        var shown = JsonSerializer.Deserialize(await LabctlOkAsync(bed, user, repo, ct, "agent", "show", id, "-o", "json"), ProtocolJsonContext.Default.AgentRecord)!;

        Assert.True(shown.Status == AgentRecord.Finished && shown.RecentTurns.Single().Status == "succeeded", $"{shown.Status}, {string.Join(", ", shown.RecentTurns.Select(t => t.Status))}\n{logs}\n{bed.Labd.Output}");
        Assert.Contains("agent read 41 and ref: refs/heads/main", logs, StringComparison.Ordinal);
        Assert.Equal("700", user.HomeMode);
    }

    /// <summary>
    /// labd stages the lab's binds in the supervisor's private mount namespace, under the run's
    /// directory: while the experiment runs, another user finds neither the lab through the home nor
    /// the staged mounts on the host. Controls: the same reads succeed where a leak would be (as root
    /// inside the supervisor's namespace; through the home once it is 0755), so the check can see one.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task Another_user_cannot_read_a_0700_home_lab_or_its_staged_binds_while_its_experiment_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct, TestAccounts.UsersGroup);
        var repo = await MakeLabAsync(bed, user, ct);
        await LabctlOkAsync(bed, user, repo, ct, "exp", "run", "--idea", "1", "--", "sh", "-c", "echo holding; exec sleep 3600");
        await FollowUntilAsync(bed, user, repo, "holding", ct, "exp", "logs", "1", "-f");

        var runDir = Directory.GetDirectories(Path.Combine(bed.Labd.StateDir, "runs")).Single();
        var supervisor = File.ReadAllText(Path.Combine(runDir, "supervisor.pid")).Trim();
        var input = Path.Combine(repo, "input.txt");
        // Every staged entry is an empty mount point on the host; one of them is the lab in the supervisor's namespace.
        var staged = Directory.GetFileSystemEntries(Path.Combine(runDir, "binds")).Select(e => Path.Combine(e, "input.txt")).ToList();
        var outsider = await AsOtherAsync(["sh", "-c", $"cat {input}; for f in {string.Join(' ', staged)}; do cat \"$f\"; done"], ct);
        var insideNamespace = await Command.RunAsync("nsenter", [$"--mount=/proc/{supervisor}/ns/mnt", "--", "sh", "-c", $"cat {string.Join(' ', staged)} 2>/dev/null"], ct);

        Assert.DoesNotContain("41", outsider.Stdout, StringComparison.Ordinal);
        Assert.Contains("Permission denied", outsider.Stderr, StringComparison.Ordinal);
        Assert.Contains("41", insideNamespace.Stdout, StringComparison.Ordinal);
        Assert.Equal("700", user.HomeMode);

        File.SetUnixFileMode(user.Home, (UnixFileMode)0b111_101_101);
        var opened = await AsOtherAsync(["cat", input], ct);
        Assert.Equal("41\n", opened.Stdout);
        await LabctlOkAsync(bed, user, repo, ct, "exp", "cancel", "1");
    }

    [Fact(Timeout = 120_000)]
    public async Task Lab_init_refuses_a_lab_directory_others_cannot_read_naming_the_chmod_and_doctor_says_the_same()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct, TestAccounts.UsersGroup);
        var repo = await TrackerBed.InitRepositoryAsync(user.Name, Path.Combine(user.Home, "closed"), new Dictionary<string, string> { ["a.txt"] = "a\n" }, ct);
        File.SetUnixFileMode(repo, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var refused = await LabctlAsync(bed, user, repo, ct, "lab", "init", ".");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"lab directory {repo} is mode 0700", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"`chmod o+rx {repo}`", refused.Stderr, StringComparison.Ordinal);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.Empty(JsonSerializer.Deserialize(await LabctlOkAsync(bed, user, repo, ct, "lab", "ls", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListLabRecord)!);

        // Registered while readable, closed afterwards: doctor names the lab and the fix.
        File.SetUnixFileMode(repo, (UnixFileMode)0b111_101_101);
        await LabctlOkAsync(bed, user, repo, ct, "lab", "init", ".");
        var before = await LabctlAsync(bed, user, repo, ct, "doctor", "-o", "json");
        File.SetUnixFileMode(repo, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var after = await LabctlAsync(bed, user, repo, ct, "doctor", "-o", "json");

        Assert.Equal(((string?)"ok", (string?)null), LabsLine(before.Stdout));
        Assert.Equal(((string?)"fail", (string?)$"chmod o+rx {repo}"), LabsLine(after.Stdout));
    }

    private static (string? Status, string? Fix) LabsLine(string doctorJson)
    {
        using var json = JsonDocument.Parse(doctorJson);
        var line = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "labs");
        return (line.GetProperty("status").GetString(), line.TryGetProperty("fix", out var fix) ? fix.GetString() : null);
    }

    /// <summary>A repository in the user's home (made as the user, who then registers it), with idea 1 and run.sh.</summary>
    private static async Task<string> MakeLabAsync(TrackerBed bed, NewUser user, CancellationToken ct)
    {
        Assert.Equal("700", user.HomeMode);
        var repo = Path.Combine(user.Home, "lab");
        var (made, _, madeErr) = await TrackerBed.AsUserAsync(user.Name, user.Home, "sh", ["-c", "mkdir lab && cd lab && echo 41 > input.txt && printf '%s\\n' \"$1\" > run.sh", "sh", RunScript], ct);
        Assert.True(made == 0, madeErr);
        await TrackerBed.GitAsync(user.Name, repo, ct, "init", "-q", "-b", "main");
        await TrackerBed.GitAsync(user.Name, repo, ct, "add", ".");
        await TrackerBed.GitAsync(user.Name, repo, ct, "commit", "-q", "-m", "start");
        await LabctlOkAsync(bed, user, repo, ct, "lab", "init", ".");
        // As lab init tells the user: agents read PROMPT.md from main, as committed.
        await TrackerBed.GitAsync(user.Name, repo, ct, "add", "PROMPT.md");
        await TrackerBed.GitAsync(user.Name, repo, ct, "commit", "-q", "-m", "research goal");
        await LabctlOkAsync(bed, user, repo, ct, "idea", "new", "t");
        return repo;
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(TrackerBed bed, NewUser user, string cwd, CancellationToken ct, params string[] args) =>
        TrackerBed.AsUserAsync(user.Name, cwd, LabctlPath, ["--socket", bed.Labd.SocketPath, .. args], ct);

    private static async Task<string> LabctlOkAsync(TrackerBed bed, NewUser user, string cwd, CancellationToken ct, params string[] args)
    {
        var (exit, stdout, stderr) = await LabctlAsync(bed, user, cwd, ct, args);
        Assert.True(exit == 0, $"labctl {string.Join(' ', args)} exited {exit}\n{stdout}\n{stderr}\n{bed.Labd.Output}");
        return stdout;
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> AsOtherAsync(string[] command, CancellationToken ct) =>
        TrackerBed.AsUserAsync(TrackerBed.Other, "/", command[0], command[1..], ct);

    /// <summary>Runs labctl as the user until a line containing <paramref name="expected"/> arrives, then stops it.</summary>
    private static async Task FollowUntilAsync(TrackerBed bed, NewUser user, string cwd, string expected, CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var arg in (string[])["--reuid", user.Uid.ToString(CultureInfo.InvariantCulture), "--regid", user.Gid.ToString(CultureInfo.InvariantCulture), "--init-groups", LabctlPath, "--socket", bed.Labd.SocketPath, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(expected, StringComparison.Ordinal) == true)
            {
                seen.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        try
        {
            await seen.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        }
        finally
        {
            process.Kill();
        }
    }
}
