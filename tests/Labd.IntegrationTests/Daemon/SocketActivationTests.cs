using Labd.Protocol;

namespace Labd.IntegrationTests.Daemon;

public sealed class SocketActivationTests
{
    /// <summary>
    /// Plays systemd's socket unit: binds and listens on argv[1], puts it on fd 3, leaves an
    /// extra inheritable pipe on fd 4, sets LISTEN_FDS/LISTEN_PID for its own pid, then execs labd.
    /// </summary>
    private const string Activator = """
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(sys.argv[1])
        os.chmod(sys.argv[1], 0o600)
        s.listen(16)
        os.dup2(s.fileno(), 3)
        r, w = os.pipe()
        os.dup2(r, 4)
        # dup2 onto itself is a no-op that leaves Python's default close-on-exec in place.
        os.set_inheritable(3, True)
        os.set_inheritable(4, True)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.execv(sys.argv[2], sys.argv[2:])
        """;

    [Fact(Timeout = 60000)]
    public async Task labd_serves_on_the_socket_systemd_passed_and_keeps_inherited_fds_from_children()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var activated = dir["activated.sock"];

        await using var labd = LabdProcess.Start(dir, wrapper: ["python3", "-c", Activator, activated]);
        using var client = UnixHttp.Create(activated);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage? response = null;
        while (response is null)
        {
            Assert.False(labd.HasExited, labd.Output);
            Assert.True(DateTime.UtcNow < deadline, "labd did not answer on the activated socket:\n" + labd.Output);
            try
            {
                response = await client.GetAsync(Routes.Version, ct);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50, ct);
            }
        }

        Assert.True(response.IsSuccessStatusCode);
        response.Dispose();
        // labd used the passed socket instead of binding its own path...
        Assert.False(File.Exists(labd.SocketPath));
        Assert.Contains("socket activation", labd.Output, StringComparison.Ordinal);
        // ...and marked what it inherited close-on-exec (fdinfo flags are octal; O_CLOEXEC is 02000000).
        foreach (var fd in new[] { 3, 4 })
        {
            var flags = File.ReadLines($"/proc/{labd.Pid}/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
            var value = Convert.ToInt64(flags["flags:".Length..].Trim(), 8);
            Assert.True((value & 0x80000) != 0, $"fd {fd} is not close-on-exec: {flags}");
        }
    }
}
