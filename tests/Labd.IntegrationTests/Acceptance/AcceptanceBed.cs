using System.Globalization;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Acceptance;

/// <summary>
/// labd as a user gets it: the packaged <c>/etc/labd/labd.yaml</c> unmodified except for where its
/// socket and state go (a test directory, so it runs beside anything else) and where its GPUs are
/// (fake device nodes), no policy directory (so the embedded shipped policies apply, as on a fresh
/// install), the packaged groups <c>labd</c> and <c>labd-admin</c>, and the labctl binary that CI
/// built (Native AOT when <c>LABCTL_BIN</c> names it) on the users' PATH.
/// </summary>
internal sealed class AcceptanceBed : IAsyncDisposable
{
    /// <summary>The packaged groups (packaging/accounts.sh).</summary>
    public const string UsersGroup = "labd";
    public const string AdminsGroup = "labd-admin";

    private AcceptanceBed(TestDir dir, LabdProcess labd)
    {
        Dir = dir;
        Labd = labd;
    }

    public TestDir Dir { get; }

    public LabdProcess Labd { get; private set; }

    /// <summary>The repository this test assembly was built from (README.md, packaging/).</summary>
    public static string Repository { get; } = FindRepository();

    /// <summary>What a user's shell has: labctl on PATH and labd's socket.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["PATH"] = $"{Dir["bin"]}:/usr/local/bin:/usr/bin:/bin",
        ["LABD_SOCKET"] = Labd.SocketPath,
    };

    /// <summary>Starts labd as packaged with <paramref name="fakeGpus"/> fake GPUs; <paramref name="extraConfig"/>
    /// (YAML) is appended to the packaged labd.yaml; for a negative control only, labd's test-only
    /// switch goes in <paramref name="labdEnvironment"/>.</summary>
    public static async Task<AcceptanceBed> StartAsync(CancellationToken cancellationToken, int fakeGpus = 2, string extraConfig = "", IReadOnlyDictionary<string, string>? labdEnvironment = null)
    {
        Root.Require("installs labd's groups, adds users with adduser, and runs sandboxes");
        foreach (var group in new[] { UsersGroup, AdminsGroup })
        {
            await Command.CheckedAsync("groupadd", ["-f", "--system", group], cancellationToken);
        }
        Interop.Chmod.Set("/dev/net/tun", 0b110_110_110);
        var dir = new TestDir();
        Directory.CreateDirectory(dir["dev"]);
        for (var i = 0; i < fakeGpus; i++)
        {
            await Command.CheckedAsync("mknod", [dir["dev/nvidia" + i.ToString(CultureInfo.InvariantCulture)], "c", "195", i.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        }
        Directory.CreateDirectory(dir["bin"]);
        File.CreateSymbolicLink(dir["bin/labctl"], LabctlBinary);
        var packaged = await File.ReadAllTextAsync(Path.Combine(Repository, "packaging/etc/labd.yaml"), cancellationToken);
        var config = packaged + $"""

            # The acceptance bed: no policy directory (embedded shipped policies) and fake GPUs.
            policyDir: {dir["no-policies"]}
            gpus:
              deviceDir: {dir["dev"]}
            {extraConfig}
            """;
        var labd = LabdProcess.Start(dir, config, labdEnvironment);
        await labd.WaitUntilAnsweringAsync(cancellationToken);
        return new AcceptanceBed(dir, labd);
    }

    public static string LabctlBinary =>
        System.Environment.GetEnvironmentVariable("LABCTL_BIN") is { Length: > 0 } aot ? aot : Path.Combine(AppContext.BaseDirectory, "labctl");

    /// <summary>Runs <paramref name="script"/> as <paramref name="user"/> in their home and requires exit 0.</summary>
    public async Task<string> OkAsync(NewUser user, string script, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var (exit, stdout, stderr) = await user.ShAsync(script, Environment, cancellationToken, workingDirectory);
        Assert.True(exit == 0, $"`{script}` as {user.Name} exited {exit}\nstdout: {stdout}\nstderr: {stderr}\nlabd: {Tail(Labd.Output)}");
        return stdout;
    }

    public static string Tail(string text, int lines = 40) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>A git repository <c>~/<paramref name="name"/></c> made by the user with <paramref name="files"/> committed on main.</summary>
    public async Task<string> MakeRepositoryAsync(NewUser user, string name, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken)
    {
        var repo = Path.Combine(user.Home, name);
        var writes = string.Join("\n", files.Select(f => $"cat > '{f.Key}' <<'LABD_EOF'\n{f.Value}LABD_EOF"));
        await OkAsync(user, $"""
            set -e
            mkdir -p '{repo}' && cd '{repo}'
            git init -q -b main
            git config user.name '{user.Name}'; git config user.email '{user.Name}@example.com'
            {writes}
            git add -A && git commit -q -m start
            """, cancellationToken);
        return repo;
    }

    public async ValueTask DisposeAsync()
    {
        await Labd.DisposeAsync();
        Dir.Dispose();
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Labd.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Labd.sln above {AppContext.BaseDirectory}");
    }
}
