using System.Net.Sockets;
using System.Text;
using Labd.Hosting;
using Labd.SandboxPolicy.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Hosting;

public sealed class SystemdLifecycleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labdt-lifecycle-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 10000)]
    public async Task A_failing_component_reload_is_reported_in_STATUS_and_the_others_still_reload()
    {
        var ct = TestContext.Current.CancellationToken;
        var notifyPath = Path.Combine(_dir, "notify");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(notifyPath));
        using var notifier = new SdNotifier(notifyPath);
        var configPath = Path.Combine(_dir, "labd.yaml");
        await File.WriteAllTextAsync(configPath, "policyDir: /tmp/a\n", ct);
        var arguments = new LabdArguments(configPath, true, null, null, false);
        var settings = new LabdSettings(arguments);
        var good = new RecordingReloadable();
        using var lifecycle = new SystemdLifecycle(notifier, settings, arguments, new DaemonInfo(),
            [new FailingReloadable(), good], new StoppedLifetime(), NullLogger<SystemdLifecycle>.Instance);
        await File.WriteAllTextAsync(configPath, "policyDir: /tmp/b\n", ct);

        await lifecycle.ReloadAsync(ct);

        Assert.StartsWith("RELOADING=1\nMONOTONIC_USEC=", await ReceiveAsync(receiver, ct), StringComparison.Ordinal);
        var ready = await ReceiveAsync(receiver, ct);
        Assert.StartsWith("READY=1\nSTATUS=Reload failed, previous configuration in force: FailingReloadable: policy x.yaml:3:1: bad", ready, StringComparison.Ordinal);
        Assert.Equal("/tmp/b", good.Seen?.PolicyDir);
    }

    private static async Task<string> ReceiveAsync(Socket receiver, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var n = await receiver.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private sealed class FailingReloadable : IReloadable
    {
        public Task ReloadAsync(LabdConfig config, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("policy x.yaml:3:1: bad");
    }

    private sealed class RecordingReloadable : IReloadable
    {
        public LabdConfig? Seen { get; private set; }

        public Task ReloadAsync(LabdConfig config, CancellationToken cancellationToken)
        {
            Seen = config;
            return Task.CompletedTask;
        }
    }

    private sealed class StoppedLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
