using Labd.Interop;

namespace Labd.IntegrationTests.Daemon;

public sealed class StartupTests
{
    [Fact(Timeout = 60000)]
    public async Task A_second_labd_on_the_same_socket_refuses_to_start_and_the_first_keeps_serving()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        await using var first = LabdProcess.Start(dir);
        await first.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);

        await using var second = LabdProcess.Start(dir);
        var exit = await second.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, exit);
        Assert.Contains("another labd is already answering on " + first.SocketPath, second.Output, StringComparison.Ordinal);
        await first.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 60000)]
    public async Task A_stale_socket_left_by_a_killed_labd_is_replaced()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        Directory.CreateDirectory(dir["run"]);
        // A process that binds and exits leaves the file behind with nobody listening, as SIGKILL would.
        await Command.CheckedAsync("python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", dir["run/labd.sock"]], TestContext.Current.CancellationToken);
        Assert.True(File.Exists(dir["run/labd.sock"]));

        await using var labd = LabdProcess.Start(dir);

        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 60000)]
    public async Task An_unknown_config_key_stops_labd_with_file_line_and_column()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, "groups:\n  users: labd\nsokcet: /tmp/x\n");

        var exit = await labd.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(78, exit);
        Assert.Contains($"{labd.ConfigPath}:3:1: unknown key 'sokcet'", labd.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(labd.SocketPath));
    }

    [Fact(Timeout = 60000)]
    public async Task The_state_dir_is_traversable_not_listable_and_the_database_is_private_to_root()
    {
        Root.Require("labd creates its state dir owned by root");
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);

        // 0711: sandbox users must traverse it to runs/<id>/rk (docs/security.md), never list it.
        var stat = await Command.CheckedAsync("stat", ["-c", "%a %U", labd.StateDir], TestContext.Current.CancellationToken);
        var database = await Command.CheckedAsync("stat", ["-c", "%a %U", Path.Combine(labd.StateDir, "labd.db")], TestContext.Current.CancellationToken);

        Assert.Equal("711 root", stat.Trim());
        Assert.Equal("600 root", database.Trim());
    }

    [Fact(Timeout = 60000)]
    public async Task SIGTERM_stops_labd_cleanly_and_removes_its_socket()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);

        labd.Signal(Signals.SIGTERM);

        Assert.Equal(0, await labd.WaitForExitAsync(TestContext.Current.CancellationToken));
        Assert.False(File.Exists(labd.SocketPath));
    }
}
