using System.Diagnostics;
using System.Globalization;
using Labd.IntegrationTests.Daemon;
using Microsoft.Data.Sqlite;

namespace Labd.IntegrationTests.Tracker;

/// <summary>
/// A real labd (embedded default policies) and helpers to act as test users: the real labctl and
/// git run through setpriv with the user's ids, in a directory of the test's choosing.
/// </summary>
internal sealed class TrackerBed : IAsyncDisposable
{
    /// <summary>A second ordinary user of the users group, whose labs the first must not see.</summary>
    public const string Other = "labdt-t-other";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _otherCreated;

    private TrackerBed(TestDir dir, LabdProcess labd)
    {
        Dir = dir;
        Labd = labd;
    }

    public TestDir Dir { get; }

    public LabdProcess Labd { get; }

    public static async Task<TrackerBed> StartAsync(CancellationToken cancellationToken)
    {
        Root.Require("runs labctl and git as test users through setpriv");
        await TestAccounts.EnsureAsync(cancellationToken);
        await EnsureOtherAsync(cancellationToken);
        var dir = new TestDir();
        var labd = LabdProcess.Start(dir, $"""
            groups:
              users: {TestAccounts.UsersGroup}
              admins: {TestAccounts.AdminsGroup}
            """);
        await labd.WaitUntilAnsweringAsync(cancellationToken);
        return new TrackerBed(dir, labd);
    }

    /// <summary>Runs <paramref name="file"/> as <paramref name="user"/> in <paramref name="workingDirectory"/>.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> AsUserAsync(string user, string workingDirectory, string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var (uid, gid) = await TestAccounts.IdsAsync(user, cancellationToken);
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in (string[])["--reuid", uid.ToString(CultureInfo.InvariantCulture), "--regid", gid.ToString(CultureInfo.InvariantCulture), "--init-groups", file, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = "/tmp";
        start.Environment["NO_COLOR"] = "1";
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return await Command.CollectAsync(process, cancellationToken);
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(string user, string workingDirectory, CancellationToken cancellationToken, params string[] args) =>
        AsUserAsync(user, workingDirectory, Path.Combine(AppContext.BaseDirectory, "labctl"), ["--socket", Labd.SocketPath, .. args], cancellationToken);

    public async Task<string> LabctlOkAsync(string user, string workingDirectory, CancellationToken cancellationToken, params string[] args)
    {
        var (exit, stdout, stderr) = await LabctlAsync(user, workingDirectory, cancellationToken, args);
        Assert.True(exit == 0, $"labctl {string.Join(' ', args)} exited {exit}\n{stdout}\n{stderr}\n{Labd.Output}");
        return stdout;
    }

    public static async Task<string> GitAsync(string user, string repo, CancellationToken cancellationToken, params string[] args)
    {
        var (exit, stdout, stderr) = await AsUserAsync(user, repo, "git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", .. args], cancellationToken);
        Assert.True(exit == 0, $"git {string.Join(' ', args)} exited {exit}: {stderr}");
        return stdout.Trim();
    }

    /// <summary>A repository at <c>Dir/name</c> owned by <paramref name="user"/>, on branch main with one commit.</summary>
    public Task<string> MakeRepositoryAsync(string user, string name, CancellationToken cancellationToken) =>
        InitRepositoryAsync(user, Dir[name], new Dictionary<string, string>
        {
            ["train.py"] = "print('{\"metrics\": {\"score\": 1}}')\n",
            ["config.txt"] = "lr = 0.1\n",
        }, cancellationToken);

    /// <summary>A repository at <paramref name="repo"/> owned by <paramref name="user"/> with <paramref name="files"/>
    /// committed on branch main (one commit, made as the user).</summary>
    public static async Task<string> InitRepositoryAsync(string user, string repo, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(repo);
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(repo, name), text, cancellationToken);
        }
        await Command.CheckedAsync("chown", ["-R", user + ":", repo], cancellationToken);
        await GitAsync(user, repo, cancellationToken, "init", "-q", "-b", "main");
        await GitAsync(user, repo, cancellationToken, "add", ".");
        await GitAsync(user, repo, cancellationToken, "commit", "-q", "-m", "start");
        return repo;
    }

    /// <summary>Commits <paramref name="content"/> to <paramref name="file"/> on <paramref name="branch"/> (checked out for it).</summary>
    public static async Task CommitOnAsync(string user, string repo, string branch, string file, string content, CancellationToken cancellationToken)
    {
        await GitAsync(user, repo, cancellationToken, "checkout", "-q", branch);
        await AsUserAsync(user, repo, "sh", ["-c", $"printf '%s\\n' '{content}' > {file}"], cancellationToken);
        await GitAsync(user, repo, cancellationToken, "add", file);
        await GitAsync(user, repo, cancellationToken, "commit", "-q", "-m", $"{file} on {branch}");
    }

    /// <summary>Inserts a finished experiment straight into labd's database (the experiments service is another component's).</summary>
    public async Task<long> AddExperimentAsync(string lab, int idea, int seq, string status, double? score, params string[] tags)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(Labd.StateDir, "labd.db")};Pooling=False");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 10000;";
            await pragma.ExecuteNonQueryAsync();
        }
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO experiments (lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, submitter, submitter_uid, status, created_at, ended_at)
            VALUES ($lab, $idea, $seq, 'feedface00112233', '["python3","train.py"]', '{}', 'k', 0, 'agent:a', 1, $status, $at, $at) RETURNING id;
            """;
        command.Parameters.AddWithValue("$lab", lab);
        command.Parameters.AddWithValue("$idea", idea);
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        var id = (long)(await command.ExecuteScalarAsync())!;
        foreach (var sql in (score is { } s ? [$"INSERT INTO experiment_metrics VALUES ({id}, 'score', {s.ToString(CultureInfo.InvariantCulture)});"] : Array.Empty<string>())
            .Concat(tags.Select(t => $"INSERT INTO experiment_tags VALUES ({id}, '{t}');")))
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = sql;
            await insert.ExecuteNonQueryAsync();
        }
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        await Labd.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Dir.Dispose();
    }

    internal static async Task EnsureOtherAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_otherCreated)
            {
                return;
            }
            var (exists, _, _) = await Command.RunAsync("id", ["-u", Other], cancellationToken);
            if (exists != 0)
            {
                var (exit, _, stderr) = await Command.RunAsync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", Other], cancellationToken);
                if (exit is not 0 and not 9)
                {
                    throw new InvalidOperationException($"useradd {Other} exited {exit}: {stderr}");
                }
            }
            await Command.CheckedAsync("usermod", ["-aG", TestAccounts.UsersGroup, Other], cancellationToken);
            _otherCreated = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}
