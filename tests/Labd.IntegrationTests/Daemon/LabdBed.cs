using System.Globalization;
using Labd.Interop;
using Microsoft.Data.Sqlite;

namespace Labd.IntegrationTests.Daemon;

/// <summary>
/// A real labd that runs sandboxes: started as root with the test accounts in place, /dev/net/tun open
/// to the sandbox users, a policy directory holding <c>default.yaml</c>, and a labd.yaml naming it and
/// the test groups (optionally a directory of fake GPUs). The beds derive from it and add what is
/// theirs; it also makes labs the way the tracker would (a git repository owned by the test user plus
/// a labs row written straight into labd's database) and restarts labd on the same state.
/// </summary>
internal class LabdBed : IAsyncDisposable
{
    protected LabdBed(Started started)
    {
        Dir = started.Dir;
        Labd = started.Labd;
        OwnerUid = started.OwnerUid;
        OwnerGid = started.OwnerGid;
    }

    public TestDir Dir { get; }

    public LabdProcess Labd { get; private set; }

    /// <summary>The ids of <see cref="TestAccounts.User"/>, who owns the labs.</summary>
    public int OwnerUid { get; }

    public int OwnerGid { get; }

    public string PoliciesDirectory => Dir["policies"];

    /// <summary>Where the fake GPUs (nvidia0, nvidia1, ...) are, when the bed was started with some.</summary>
    public string DevDir => Dir["dev"];

    /// <summary>Starts labd with <paramref name="policyYaml"/> as the default policy and, when
    /// <paramref name="fakeGpus"/> is given, that many fake GPUs.</summary>
    public static async Task<LabdBed> StartAsync(string policyYaml, CancellationToken cancellationToken, int? fakeGpus = null) =>
        new(await LaunchAsync(policyYaml, cancellationToken, fakeGpus));

    /// <summary>
    /// Starts labd in a new test directory. <paramref name="fakeGpus"/>: null, no <c>gpus:</c> section;
    /// otherwise a device directory with that many mknod'ed nvidiaN. <paramref name="extraPolicies"/>
    /// (name → YAML) are written after <c>default.yaml</c>, <paramref name="extraConfig"/> is appended to
    /// labd.yaml, and <paramref name="prepare"/> runs on the directory before labd starts.
    /// </summary>
    protected static async Task<Started> LaunchAsync(string policyYaml, CancellationToken cancellationToken, int? fakeGpus = null,
        Func<TestDir, IReadOnlyDictionary<string, string>?>? extraPolicies = null, Func<TestDir, string?>? extraConfig = null, Action<TestDir>? prepare = null)
    {
        Root.Require("labd creates sandbox users and runs sandboxes as root");
        await TestAccounts.EnsureAsync(cancellationToken);
        // rootlesskit opens /dev/net/tun as the sandbox user (see SandboxFixture).
        Chmod.Set("/dev/net/tun", 0b110_110_110);
        var dir = new TestDir();
        Directory.CreateDirectory(dir["policies"]);
        await File.WriteAllTextAsync(dir["policies/default.yaml"], policyYaml, cancellationToken);
        foreach (var (name, yaml) in extraPolicies?.Invoke(dir) ?? new Dictionary<string, string>())
        {
            await File.WriteAllTextAsync(dir[$"policies/{name}.yaml"], yaml, cancellationToken);
        }
        var gpus = "";
        if (fakeGpus is { } count)
        {
            Directory.CreateDirectory(dir["dev"]);
            for (var i = 0; i < count; i++)
            {
                await Command.CheckedAsync("mknod", [dir["dev/nvidia" + i.ToString(CultureInfo.InvariantCulture)], "c", "195", i.ToString(CultureInfo.InvariantCulture)], cancellationToken);
            }
            gpus = $"""
                gpus:
                  deviceDir: {dir["dev"]}

                """;
        }
        prepare?.Invoke(dir);
        var config = $"""
            policyDir: {dir["policies"]}
            groups:
              users: {TestAccounts.UsersGroup}
              admins: {TestAccounts.AdminsGroup}

            """ + gpus + extraConfig?.Invoke(dir);
        var labd = LabdProcess.Start(dir, config);
        await labd.WaitUntilAnsweringAsync(cancellationToken);
        var (uid, gid) = await TestAccounts.IdsAsync(TestAccounts.User, cancellationToken);
        return new Started(dir, labd, uid, gid);
    }

    /// <summary>kill -9 labd (the sandboxes' supervisors live on), then start a new labd on the same state.</summary>
    public async Task CrashAndRestartAsync(CancellationToken cancellationToken)
    {
        Labd.Signal(9);
        await Labd.WaitForExitAsync(cancellationToken);
        await RestartAsync(cancellationToken);
    }

    /// <summary>Starts a new labd on the same state after the old one has exited.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await Labd.DisposeAsync();
        Labd = LabdProcess.Start(Dir);
        await Labd.WaitUntilAnsweringAsync(cancellationToken);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Labd.DisposeAsync();
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A git repository <c>labs-<paramref name="id"/></c> in the test directory with
    /// <paramref name="files"/> committed on main, still owned by root (see <see cref="ChownToOwnerAsync"/>).</summary>
    protected async Task<string> CommitLabRepositoryAsync(string id, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken)
    {
        var root = Dir["labs-" + id];
        Directory.CreateDirectory(root);
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(root, name), text, cancellationToken);
        }
        await Command.CheckedAsync("git", ["-C", root, "init", "-q", "-b", "main"], cancellationToken);
        await GitAsync(root, cancellationToken, "add", "-A");
        await GitAsync(root, cancellationToken, "commit", "-q", "-m", "first");
        return root;
    }

    /// <summary>git, as root, in <paramref name="root"/>; returns what it printed.</summary>
    protected static Task<string> GitAsync(string root, CancellationToken cancellationToken, params string[] args) =>
        Command.CheckedAsync("git", ["-C", root, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "safe.directory=*", .. args], cancellationToken);

    protected Task ChownToOwnerAsync(string root, CancellationToken cancellationToken) =>
        Command.CheckedAsync("chown", ["-R", $"{OwnerUid}:{OwnerGid}", root], cancellationToken);

    /// <summary>Writes the labs row of lab <paramref name="id"/> (owned by the test user, metric score:max) and then
    /// <paramref name="moreSql"/>, which may use <c>$id</c>, <c>$at</c> and <paramref name="parameters"/>.</summary>
    protected async Task InsertLabAsync(string id, string root, string policy, CancellationToken cancellationToken, string moreSql = "", params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(Labd.StateDir, "labd.db")};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA busy_timeout=10000;
            INSERT INTO labs (id, path, owner_uid, policy, main_branch, metrics, created_at) VALUES ($id, $path, $uid, $policy, 'main', '[{"name":"score","direction":"max"}]', $at);

            """ + moreSql;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$path", root);
        command.Parameters.AddWithValue("$uid", OwnerUid);
        command.Parameters.AddWithValue("$policy", policy);
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>What <see cref="LaunchAsync"/> started, handed to the derived bed's constructor.</summary>
    protected sealed record Started(TestDir Dir, LabdProcess Labd, int OwnerUid, int OwnerGid);
}
