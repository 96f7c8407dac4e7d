using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Interop;
using Labd.Protocol;
using Microsoft.Data.Sqlite;

namespace Labd.IntegrationTests.Experiments;

/// <summary>
/// A real labd with a policy (worktree rw, no network, at most 2 GPUs per run and per lab),
/// four fake GPUs (mknod'ed nvidia0..3) and labs made the way the tracker would: a git repo
/// owned by the test user plus labs/ideas rows written straight into labd's database.
/// </summary>
internal sealed class ExperimentsBed : IAsyncDisposable
{
    public const string PolicyYaml = """
        description: experiments tests
        gpus: 2
        files:
          ${WORKTREE}: rw
        """;

    private ExperimentsBed(TestDir dir, LabdProcess labd, int ownerUid, int ownerGid)
    {
        Dir = dir;
        Labd = labd;
        OwnerUid = ownerUid;
        OwnerGid = ownerGid;
    }

    public TestDir Dir { get; }

    public LabdProcess Labd { get; private set; }

    public int OwnerUid { get; }

    public int OwnerGid { get; }

    public string DevDir => Dir["dev"];

    public static async Task<ExperimentsBed> StartAsync(CancellationToken cancellationToken)
    {
        Root.Require("labd creates sandbox users and runs sandboxes as root");
        await TestAccounts.EnsureAsync(cancellationToken);
        Chmod.Set("/dev/net/tun", 0b110_110_110);
        var dir = new TestDir();
        Directory.CreateDirectory(dir["policies"]);
        await File.WriteAllTextAsync(dir["policies/default.yaml"], PolicyYaml, cancellationToken);
        Directory.CreateDirectory(dir["dev"]);
        for (var i = 0; i < 4; i++)
        {
            await Command.CheckedAsync("mknod", [dir["dev/nvidia" + i.ToString(CultureInfo.InvariantCulture)], "c", "195", i.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        }
        var config = $"""
            policyDir: {dir["policies"]}
            groups:
              users: {TestAccounts.UsersGroup}
              admins: {TestAccounts.AdminsGroup}
            gpus:
              deviceDir: {dir["dev"]}
            """;
        var labd = LabdProcess.Start(dir, config);
        await labd.WaitUntilAnsweringAsync(cancellationToken);
        var (uid, gid) = await TestAccounts.IdsAsync(TestAccounts.User, cancellationToken);
        return new ExperimentsBed(dir, labd, uid, gid);
    }

    /// <summary>A lab <paramref name="id"/> with <paramref name="files"/> committed on main and idea 1 (active) on idea/1.</summary>
    public async Task<string> CreateLabAsync(string id, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken)
    {
        var root = Dir["labs-" + id];
        Directory.CreateDirectory(root);
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(root, name), text, cancellationToken);
        }
        string[] identity = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "safe.directory=*"];
        await Command.CheckedAsync("git", ["-C", root, "init", "-q", "-b", "main"], cancellationToken);
        await Command.CheckedAsync("git", ["-C", root, .. identity, "add", "-A"], cancellationToken);
        await Command.CheckedAsync("git", ["-C", root, .. identity, "commit", "-q", "-m", "first"], cancellationToken);
        await Command.CheckedAsync("git", ["-C", root, .. identity, "branch", "idea/1"], cancellationToken);
        var commit = (await Command.CheckedAsync("git", ["-C", root, .. identity, "rev-parse", "main"], cancellationToken)).Trim();
        await Command.CheckedAsync("chown", ["-R", $"{OwnerUid}:{OwnerGid}", root], cancellationToken);
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(Labd.StateDir, "labd.db")};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA busy_timeout=10000;
            INSERT INTO labs (id, path, owner_uid, policy, main_branch, metrics, created_at) VALUES ($id, $path, $uid, 'default', 'main', '[{"name":"score","direction":"max"}]', $at);
            INSERT INTO ideas (lab_id, number, title, status, parents, branch, base_commit, created_by, created_at, updated_at) VALUES ($id, 1, 'first idea', 'active', '[]', 'idea/1', $commit, 'user:0', $at, $at);
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$path", root);
        command.Parameters.AddWithValue("$uid", OwnerUid);
        command.Parameters.AddWithValue("$commit", commit);
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return root;
    }

    /// <summary>Submits as root (an admin); returns the status code and the body.</summary>
    public async Task<(int Status, string Body)> TrySubmitAsync(string lab, ExperimentSubmitRequest request, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        using var response = await client.PostAsJsonAsync(Routes.LabExperiments(lab), request, ProtocolJsonContext.Default.ExperimentSubmitRequest, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<ExperimentRecord> SubmitAsync(string lab, ExperimentSubmitRequest request, CancellationToken cancellationToken)
    {
        var (status, body) = await TrySubmitAsync(lab, request, cancellationToken);
        Assert.True(status == 201, $"submit: {status} {body}\n{Labd.Output}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ExperimentRecord)!;
    }

    public async Task<ExperimentRecord> GetAsync(string route, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var response = await client.GetAsync(route, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {route}: {(int)response.StatusCode} {body}\n{Labd.Output}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ExperimentRecord)!;
    }

    public Task<ExperimentRecord> WaitAsync(long id, CancellationToken cancellationToken) => GetAsync(Routes.ExperimentWait(id), cancellationToken);

    public async Task<string> GetTextAsync(string route, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        return await client.GetStringAsync(route, cancellationToken);
    }

    public async Task<int> PostAsync(string route, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        using var response = await client.PostAsync(route, null, cancellationToken);
        return (int)response.StatusCode;
    }

    /// <summary>kill -9 labd (the experiments' supervisors live on), then start a new labd on the same state.</summary>
    public async Task CrashAndRestartAsync(CancellationToken cancellationToken)
    {
        Labd.Signal(9);
        await Labd.WaitForExitAsync(cancellationToken);
        await Labd.DisposeAsync();
        Labd = LabdProcess.Start(Dir);
        await Labd.WaitUntilAnsweringAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Labd.DisposeAsync();
        Dir.Dispose();
    }
}
