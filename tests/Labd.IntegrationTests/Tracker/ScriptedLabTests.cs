using System.Globalization;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;

namespace Labd.IntegrationTests.Tracker;

/// <summary>
/// The tracker issue's end-to-end bar: a user of group labd drives a lab the way an agent would,
/// only through the real labctl (<c>-o json</c>), on a real labd with four fake GPUs — init, three
/// ideas (one a two-parent merge), eight experiments (two concurrent, one failing, one timing out,
/// one cancelled, the rest succeeding with known scores), notes, conclude, leaderboard, orient,
/// search — asserting every number.
/// </summary>
public sealed class ScriptedLabTests
{
    private const string User = TestAccounts.User;

    /// <summary>At most 2 GPUs per run and per lab; the worktree writable; no network.</summary>
    private const string PolicyYaml = """
        description: scripted lab test
        gpus: 2
        files:
          ${WORKTREE}: rw
        """;

    /// <summary><c>sh train.sh SCORE [SLEEP]</c>: optionally sleeps, then prints its metrics line last.</summary>
    private const string Train = """
        echo "training on gpus=${CUDA_VISIBLE_DEVICES:-none}"
        sleep "${2:-0}"
        echo '{"metrics": {"score": '"$1"'}}'
        """;

    [Fact(Timeout = 180_000)]
    public async Task An_agent_scripted_lab_from_init_to_leaderboard_adds_up()
    {
        var ct = TestContext.Current.CancellationToken;
        Root.Require("labd creates sandbox users and runs sandboxes as root; labctl runs as a test user");
        await using var bed = await LabdBed.StartAsync(PolicyYaml, ct, fakeGpus: 4);
        var labd = bed.Labd;
        var lab = new Labctl(labd);

        // The repository: train.sh on main; two ideas that change different files.
        var repo = await TrackerBed.InitRepositoryAsync(User, bed.Dir["cifar"], new Dictionary<string, string> { ["train.sh"] = Train }, ct);

        var init = Json(await lab.OkAsync(repo, ct, "lab", "init", "--metric", "score:max", "-o", "json"), ProtocolJsonContext.Default.LabRecord);
        Assert.Equal("cifar", init.Id);
        Assert.Equal(repo, init.Path);
        Assert.Equal([("score", "max")], init.Metrics.Select(m => (m.Name, m.Direction)));
        Assert.Equal("main", init.MainBranch);

        var one = Json(await lab.OkAsync(repo, ct, "idea", "new", "baseline", "-o", "json"), ProtocolJsonContext.Default.IdeaRecord);
        await TrackerBed.CommitOnAsync(User, repo, "idea/1", "aug.txt", "flip", ct);
        var two = Json(await lab.OkAsync(repo, ct, "idea", "new", "wider net", "-o", "json"), ProtocolJsonContext.Default.IdeaRecord);
        await TrackerBed.CommitOnAsync(User, repo, "idea/2", "width.txt", "512", ct);
        var three = Json(await lab.OkAsync(repo, ct, "idea", "new", "wider net with flips", "--parent", "1", "--parent", "2", "-o", "json"), ProtocolJsonContext.Default.IdeaRecord);
        await TrackerBed.GitAsync(User, repo, ct, "checkout", "-q", "main");
        Assert.Equal((1, "active", "idea/1"), (one.Number, one.Status, one.Branch));
        Assert.Equal((2, "active", "idea/2"), (two.Number, two.Status, two.Branch));
        Assert.Equal((3, "active", "idea/3"), (three.Number, three.Status, three.Branch));
        Assert.Empty(one.Parents);
        Assert.Equal([1, 2], three.Parents);
        // idea/3 starts at a merge commit whose parents are the two ideas' tips.
        var merge = (await TrackerBed.GitAsync(User, repo, ct, "rev-list", "--parents", "-n", "1", three.BaseCommit)).Split(' ');
        Assert.Equal([three.BaseCommit, await TrackerBed.GitAsync(User, repo, ct, "rev-parse", "idea/1^{commit}"), await TrackerBed.GitAsync(User, repo, ct, "rev-parse", "idea/2^{commit}")], merge);
        Assert.Equal("flip", await TrackerBed.GitAsync(User, repo, ct, "show", three.BaseCommit + ":aug.txt"));
        Assert.Equal("512", await TrackerBed.GitAsync(User, repo, ct, "show", three.BaseCommit + ":width.txt"));

        // Orient before anything ran: no failures, nothing best yet.
        var empty = Json(await lab.OkAsync(repo, ct, "orient", "-o", "json"), ProtocolJsonContext.Default.Orientation);
        Assert.Empty(empty.Failures);
        Assert.Null(empty.Best);
        Assert.Equal([1, 2, 3], empty.Active.Select(i => i.Number));

        // Eight experiments.
        var baseline = await lab.SubmitAsync(repo, ct, "--idea", "1", "--tag", "baseline", "--", "sh", "train.sh", "0.50");
        var wideA = await lab.SubmitAsync(repo, ct, "--idea", "2", "--gpus", "1", "--meta", "width=512", "--", "sh", "train.sh", "0.60", "2");
        var wideB = await lab.SubmitAsync(repo, ct, "--idea", "2", "--gpus", "1", "--meta", "width=384", "--", "sh", "train.sh", "0.55", "2");
        var merged = await lab.SubmitAsync(repo, ct, "--idea", "3", "--tag", "sweep", "--", "sh", "train.sh", "0.70");
        var failing = await lab.SubmitAsync(repo, ct, "--idea", "3", "--", "sh", "-c", "echo diverged; exit 1");
        var slow = await lab.SubmitAsync(repo, ct, "--idea", "2", "--timeout", "2s", "--", "sleep", "60");
        var cancelled = await lab.SubmitAsync(repo, ct, "--idea", "3", "--", "sleep", "61");
        var second = await lab.SubmitAsync(repo, ct, "--idea", "1", "--tag", "sweep", "--", "sh", "train.sh", "0.45");
        Assert.Equal(
            ["exp/1.1", "exp/2.1", "exp/2.2", "exp/3.1", "exp/3.2", "exp/2.3", "exp/3.3", "exp/1.2"],
            new[] { baseline, wideA, wideB, merged, failing, slow, cancelled, second }.Select(e => e.Label));
        Assert.All([baseline, wideA, wideB, merged, failing, slow, cancelled, second], e => Assert.Equal("user:" + lab.Uid.ToString(CultureInfo.InvariantCulture), e.Submitter));
        Assert.Equal(2, slow.TimeoutSeconds);

        // Cancel exp/3.3 once it runs.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Json(await lab.OkAsync(repo, ct, "exp", "show", "exp/3.3", "-o", "json"), ProtocolJsonContext.Default.ExperimentRecord).Status != ExperimentRecord.Running)
        {
            Assert.True(DateTime.UtcNow < deadline, "exp/3.3 never started running\n" + labd.Output);
            await Task.Delay(100, ct);
        }
        await lab.OkAsync(repo, ct, "exp", "cancel", "exp/3.3");

        // exp wait: exit 0 only for succeeded, any number of times.
        var ended = new Dictionary<string, ExperimentRecord>(StringComparer.Ordinal);
        foreach (var (label, exit) in new[] { ("exp/1.1", 0), ("exp/2.1", 0), ("exp/2.2", 0), ("exp/3.1", 0), ("exp/3.2", 1), ("exp/2.3", 1), ("exp/3.3", 1), ("exp/1.2", 0) })
        {
            var (code, stdout, stderr) = await lab.RunAsync(repo, ct, "exp", "wait", label, "-o", "json");
            Assert.True(code == exit, $"exp wait {label} exited {code}, expected {exit}\n{stdout}\n{stderr}\n{labd.Output}");
            ended[label] = Json(stdout, ProtocolJsonContext.Default.ExperimentRecord);
            Assert.Equal(exit, (await lab.RunAsync(repo, ct, "exp", "wait", label, "-o", "json")).ExitCode);
        }
        foreach (var (label, score) in new[] { ("exp/1.1", 0.50), ("exp/2.1", 0.60), ("exp/2.2", 0.55), ("exp/3.1", 0.70), ("exp/1.2", 0.45) })
        {
            var e = ended[label];
            Assert.True(e.Status == ExperimentRecord.Succeeded, $"{label}: {e.Status} {e.Reason}");
            Assert.Equal(0, e.ExitCode);
            Assert.Null(e.Reason);
            Assert.Equal(new Dictionary<string, double> { ["score"] = score }, e.Metrics);
        }
        Assert.Equal((ExperimentRecord.Failed, "exited with 1", 1), (ended["exp/3.2"].Status, ended["exp/3.2"].Reason, ended["exp/3.2"].ExitCode));
        Assert.Equal(ExperimentRecord.TimedOut, ended["exp/2.3"].Status);
        Assert.False(string.IsNullOrEmpty(ended["exp/2.3"].Reason));
        Assert.Equal(ExperimentRecord.Cancelled, ended["exp/3.3"].Status);
        Assert.Null(ended["exp/3.2"].Metrics);
        Assert.Null(ended["exp/2.3"].Metrics);
        Assert.Null(ended["exp/3.3"].Metrics);
        // The timeout held: killed about 2 s after it started, not after its 60 s sleep.
        var slowRan = ended["exp/2.3"].EndedAt!.Value - ended["exp/2.3"].StartedAt!.Value;
        Assert.InRange(slowRan.TotalSeconds, 1.5, 30);

        // The two one-GPU runs ran at once, on different fake GPUs.
        var (a, b) = (ended["exp/2.1"], ended["exp/2.2"]);
        Assert.True(a.StartedAt < b.EndedAt && b.StartedAt < a.EndedAt, $"no overlap: 2.1 {a.StartedAt:O}..{a.EndedAt:O}, 2.2 {b.StartedAt:O}..{b.EndedAt:O}");
        Assert.Single(a.GpuIds!);
        Assert.Single(b.GpuIds!);
        Assert.NotEqual(a.GpuIds![0], b.GpuIds![0]);
        Assert.Contains("training on gpus=0", (await lab.RunAsync(repo, ct, "exp", "logs", "exp/2.1")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, ended["exp/1.1"].Gpus);
        Assert.Equal(new Dictionary<string, string> { ["width"] = "512" }, a.Meta);

        var all = Json(await lab.OkAsync(repo, ct, "exp", "ls", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord);
        Assert.Equal(8, all.Count);
        Assert.Equal(5, all.Count(e => e.Status == ExperimentRecord.Succeeded));
        Assert.Equal(["exp/1.1", "exp/1.2", "exp/2.1", "exp/2.2", "exp/3.1"],
            Json(await lab.OkAsync(repo, ct, "exp", "ls", "--status", "succeeded", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord).Select(e => e.Label).Order(StringComparer.Ordinal));

        // Notes, one about an idea, at levels; conclude idea 1.
        var insight = Json(await lab.OkAsync(repo, ct, "note", "add", "flips plus width compound on the merge", "--idea", "3", "--level", "insight", "-o", "json"), ProtocolJsonContext.Default.NoteRecord);
        Assert.Equal((3, "insight"), (insight.Idea, insight.Level));
        await lab.OkAsync(repo, ct, "note", "add", "exp/2.3 hangs in data loading", "--level", "debug");
        await lab.OkAsync(repo, ct, "note", "add", "first result above the baseline", "--level", "milestone");
        var notes = Json(await lab.OkAsync(repo, ct, "note", "ls", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListNoteRecord);
        Assert.Equal(["insight", "debug", "milestone"], notes.Select(n => n.Level));
        Assert.Equal(["first result above the baseline"], Json(await lab.OkAsync(repo, ct, "note", "ls", "--level", "milestone", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListNoteRecord).Select(n => n.Text));
        await lab.OkAsync(repo, ct, "idea", "conclude", "1", "--conclusion", "flips alone are below width");
        var concluded = Json(await lab.OkAsync(repo, ct, "idea", "show", "1", "-o", "json"), ProtocolJsonContext.Default.IdeaDetail);
        Assert.Equal(("concluded", "flips alone are below width"), (concluded.Idea.Status, concluded.Idea.Conclusion));
        Assert.Equal(0.50, concluded.Best);
        Assert.Equal(new Dictionary<string, long> { ["succeeded"] = 2 }, concluded.Experiments);
        var mergeDetail = Json(await lab.OkAsync(repo, ct, "idea", "show", "3", "-o", "json"), ProtocolJsonContext.Default.IdeaDetail);
        Assert.Equal(new Dictionary<string, long> { ["succeeded"] = 1, ["failed"] = 1, ["cancelled"] = 1 }, mergeDetail.Experiments);
        Assert.Equal(["flips plus width compound on the merge"], mergeDetail.Notes.Select(n => n.Text));
        // A concluded idea takes no more experiments.
        Assert.NotEqual(0, (await lab.RunAsync(repo, ct, "exp", "run", "--idea", "1", "--", "sh", "train.sh", "0.9")).ExitCode);

        // Leaderboard: order, values, Δ parent (root ideas: the baseline; idea 3: best of ideas 1 and 2 = 0.60), Δ baseline (0.50).
        var board = Json(await lab.OkAsync(repo, ct, "leaderboard", "-o", "json"), ProtocolJsonContext.Default.Leaderboard);
        Assert.Equal(("score", "max", 0.50), (board.Metric, board.Direction, board.Baseline));
        Assert.Equal([1, 2, 3, 4, 5], board.Entries.Select(e => e.Rank));
        Assert.Equal(["exp/3.1", "exp/2.1", "exp/2.2", "exp/1.1", "exp/1.2"], board.Entries.Select(e => e.Label));
        Assert.Equal([3, 2, 2, 1, 1], board.Entries.Select(e => e.Idea));
        Assert.Equal([ended["exp/3.1"].Id, a.Id, b.Id, ended["exp/1.1"].Id, ended["exp/1.2"].Id], board.Entries.Select(e => e.Experiment));
        AssertNumbers([0.70, 0.60, 0.55, 0.50, 0.45], board.Entries.Select(e => (double?)e.Value));
        AssertNumbers([0.10, 0.10, 0.05, 0.00, -0.05], board.Entries.Select(e => e.DeltaParent));
        AssertNumbers([0.20, 0.10, 0.05, 0.00, -0.05], board.Entries.Select(e => e.DeltaBaseline));
        Assert.Equal(["sweep"], board.Entries[0].Tags);
        Assert.Equal(["baseline"], board.Entries[3].Tags);
        Assert.Equal(ended["exp/3.1"].Commit, board.Entries[0].Commit);
        var sweep = Json(await lab.OkAsync(repo, ct, "leaderboard", "--tag", "sweep", "-o", "json"), ProtocolJsonContext.Default.Leaderboard);
        Assert.Equal(["exp/3.1", "exp/1.2"], sweep.Entries.Select(e => e.Label));
        Assert.Equal(["exp/3.1", "exp/2.1"], Json(await lab.OkAsync(repo, ct, "leaderboard", "--limit", "2", "-o", "json"), ProtocolJsonContext.Default.Leaderboard).Entries.Select(e => e.Label));

        // Orient: the failures since the last look (not the cancel), newest end first; then none.
        var orient = Json(await lab.OkAsync(repo, ct, "orient", "-o", "json"), ProtocolJsonContext.Default.Orientation);
        Assert.Equal(("cifar", "score", "max"), (orient.Lab, orient.Metric, orient.Direction));
        Assert.Equal(
            new[] { ended["exp/3.2"], ended["exp/2.3"] }.OrderByDescending(e => e.EndedAt).ThenByDescending(e => e.Id).Select(e => (e.Label, e.Status, e.Reason)),
            orient.Failures.Select(f => (f.Label, f.Status, f.Reason)));
        Assert.Equal(("exp/3.1", 0.70), (orient.Best!.Label, orient.Best.Value));
        Assert.Equal([(2, 0.60), (3, 0.70)], orient.Active.Select(i => (i.Number, i.Best ?? double.NaN)));
        Assert.Empty(orient.Running);
        Assert.Empty(orient.Queued);
        Assert.Empty(orient.Suggested);
        var again = Json(await lab.OkAsync(repo, ct, "orient", "-o", "json"), ProtocolJsonContext.Default.Orientation);
        Assert.Empty(again.Failures);
        Assert.Equal("exp/3.1", again.Best!.Label);

        // Search finds the note (and only it) by a word of its text.
        var hits = Json(await lab.OkAsync(repo, ct, "search", "compound", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListSearchHit);
        Assert.Equal([("note", insight.Id.ToString(CultureInfo.InvariantCulture))], hits.Select(h => (h.Kind, h.Ref)));
        Assert.Contains("compound", hits[0].Snippet, StringComparison.Ordinal);

        // Lab counts add up.
        var shown = Json(await lab.OkAsync(repo, ct, "lab", "show", "-o", "json"), ProtocolJsonContext.Default.LabRecord);
        Assert.Equal(new Dictionary<string, long> { ["active"] = 2, ["concluded"] = 1 }, shown.Counts!.Ideas);
        Assert.Equal(new Dictionary<string, long> { ["succeeded"] = 5, ["failed"] = 1, ["timed_out"] = 1, ["cancelled"] = 1 }, shown.Counts.Experiments);
    }

    private static void AssertNumbers(IEnumerable<double> expected, IEnumerable<double?> actual)
    {
        var got = actual.ToList();
        var want = expected.ToList();
        Assert.True(want.Count == got.Count && want.Zip(got).All(p => p.Second is { } v && Math.Abs(v - p.First) < 1e-9),
            $"expected [{string.Join(", ", want)}], got [{string.Join(", ", got)}]");
    }

    private static T Json<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(text, type) ?? throw new InvalidOperationException("null document: " + text);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"not a {typeof(T).Name}: {e.Message}\n{text}", e);
        }
    }

    /// <summary>The real labctl as the test user, on this labd's socket.</summary>
    private sealed class Labctl(LabdProcess labd)
    {
        public int Uid { get; } = TestAccounts.IdsAsync(User, CancellationToken.None).GetAwaiter().GetResult().Uid;

        public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, CancellationToken cancellationToken, params string[] args) =>
            TrackerBed.AsUserAsync(User, workingDirectory, Path.Combine(AppContext.BaseDirectory, "labctl"), ["--socket", labd.SocketPath, .. args], cancellationToken);

        public async Task<string> OkAsync(string workingDirectory, CancellationToken cancellationToken, params string[] args)
        {
            var (exit, stdout, stderr) = await RunAsync(workingDirectory, cancellationToken, args);
            Assert.True(exit == 0, $"labctl {string.Join(' ', args)} exited {exit}\n{stdout}\n{stderr}\n{labd.Output}");
            return stdout;
        }

        public async Task<ExperimentRecord> SubmitAsync(string workingDirectory, CancellationToken cancellationToken, params string[] args)
        {
            var record = Json(await OkAsync(workingDirectory, cancellationToken, ["exp", "run", "-o", "json", .. args]), ProtocolJsonContext.Default.ExperimentRecord);
            Assert.Equal(ExperimentRecord.Queued, record.Status);
            return record;
        }
    }
}
