using System.Net.Sockets;
using System.Text;
using Labd.Hosting;

namespace Labd.Tests.Hosting;

public sealed class SdNotifierTests
{
    [Fact(Timeout = 10000)]
    public async Task Notifications_reach_a_socket_bound_to_a_path()
    {
        var dir = Directory.CreateTempSubdirectory("labdt-notify-").FullName;
        try
        {
            var path = Path.Combine(dir, "notify");
            using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            receiver.Bind(new UnixDomainSocketEndPoint(path));
            using var notifier = new SdNotifier(path);

            Assert.True(notifier.Notify("READY=1\nSTATUS=ok"));

            Assert.Equal("READY=1\nSTATUS=ok", await ReceiveAsync(receiver, TestContext.Current.CancellationToken));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 10000)]
    public async Task An_at_sign_names_an_abstract_socket()
    {
        var name = "labdt-notify-" + Guid.NewGuid().ToString("N");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notifier = new SdNotifier("@" + name);

        notifier.Notify("WATCHDOG=1");

        Assert.Equal("WATCHDOG=1", await ReceiveAsync(receiver, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Without_a_notify_socket_nothing_is_sent()
    {
        using var notifier = new SdNotifier(null);

        Assert.False(notifier.IsEnabled);
        Assert.False(notifier.Notify("READY=1"));
    }

    private static async Task<string> ReceiveAsync(Socket receiver, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var n = await receiver.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}
