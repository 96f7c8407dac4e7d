using System.Net;
using CliWrap;

namespace Labd.Runs;

/// <summary>
/// The host-side address egress listeners bind to. slirp4netns with
/// <c>--disable-host-loopback</c> refuses 127.0.0.0/8 and 10.0.2.2, so the listeners need a
/// non-loopback address that is local to the host and routes nowhere else. 100.127.0.1/32
/// (shared address space, RFC 6598) is added to a dummy interface <c>labd0</c>, or, where the
/// kernel has no dummy driver, to <c>lo</c> (still host-local: packets to it never leave).
/// </summary>
internal static class EgressHostAddress
{
    public static readonly IPAddress Default = IPAddress.Parse("100.127.0.1");

    /// <summary>Idempotently makes <paramref name="address"/> a local address of this host.</summary>
    public static async Task EnsureAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var cidr = address + "/32";
        var dummy = await Cli.Wrap("ip").WithArguments(["link", "add", "labd0", "type", "dummy"])
            .WithValidation(CommandResultValidation.None).ExecuteAsync(cancellationToken);
        var hasDummy = dummy.ExitCode == 0 || await LinkExistsAsync("labd0", cancellationToken);
        var device = hasDummy ? "labd0" : "lo";
        await Cli.Wrap("ip").WithArguments(["addr", "replace", cidr, "dev", device]).ExecuteAsync(cancellationToken);
        if (hasDummy)
        {
            await Cli.Wrap("ip").WithArguments(["link", "set", "labd0", "up"]).ExecuteAsync(cancellationToken);
        }
    }

    private static async Task<bool> LinkExistsAsync(string name, CancellationToken cancellationToken)
    {
        var show = await Cli.Wrap("ip").WithArguments(["link", "show", name])
            .WithValidation(CommandResultValidation.None).ExecuteAsync(cancellationToken);
        return show.ExitCode == 0;
    }
}
