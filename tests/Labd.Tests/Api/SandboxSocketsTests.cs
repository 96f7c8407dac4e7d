using System.Net.Sockets;
using Labd.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Api;

/// <summary>The peer-uid gate of a sandbox's socket, with its negative control: the same
/// connection is admitted (and would be served as the sandbox) once the gate admits anyone.</summary>
public sealed class SandboxSocketsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labd-sbxsock-").FullName;

    [Fact]
    public async Task A_peer_outside_the_sandbox_uids_never_reaches_kestrel()
    {
        var (admitted, _) = await ConnectAsync(uid => uid == -42);

        Assert.False(admitted);
    }

    [Fact]
    public async Task Negative_control_with_the_gate_open_the_same_peer_is_served_as_the_sandbox()
    {
        var (admitted, caller) = await ConnectAsync(_ => true);

        Assert.True(admitted);
        Assert.Equal(CallerKind.Agent, caller!.Kind);
        Assert.Equal("lab-a", caller.Scope!.LabId);
        Assert.Equal(Environment.ProcessId, caller.Pid);
    }

    private async Task<(bool Admitted, Caller? Caller)> ConnectAsync(Func<int, bool> gate)
    {
        await using var sockets = new SandboxSockets(NullLoggerFactory.Instance);
        var listener = await sockets.BindAsync(new SandboxEndPoint(), TestContext.Current.CancellationToken);
        var path = Path.Combine(_dir, "api.sock");
        sockets.Open("run1", path, new Caller(CallerKind.Agent, 0, 0, 0, "sbx", new CallerScope("lab-a", "agent-1", "run1")), gate);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var connection = await listener.AcceptAsync(timeout.Token);
        sockets.Close("run1");
        Assert.False(File.Exists(path));
        return (connection is not null, connection?.Features.Get<ConnectionCallerFeature>()?.Caller);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
