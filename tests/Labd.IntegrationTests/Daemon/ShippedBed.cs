using Labd.Policy;

namespace Labd.IntegrationTests.Daemon;

/// <summary>
/// A real labd with exactly the policies a user gets: the embedded shipped policies, unmodified,
/// and fake GPUs; plus a plain directory owned by the test user.
/// </summary>
internal sealed class ShippedBed : LabdBed
{
    private ShippedBed(Started started)
        : base(started)
    {
    }

    /// <summary>The embedded shipped policies, name → YAML, unmodified.</summary>
    public static IReadOnlyDictionary<string, string> Shipped { get; } =
        PolicySources.ReadEmbedded().ToDictionary(p => p.Name, p => System.Text.Encoding.UTF8.GetString(p.Content.Span), StringComparer.Ordinal);

    /// <summary>Names of the shipped policies, as labd serves them.</summary>
    public static IReadOnlyList<string> PolicyNames { get; } = [.. Shipped.Keys.Order(StringComparer.Ordinal)];

    /// <summary>A directory (mode 0755) the test user owns, with no lab or repository in it.</summary>
    public string Plain => Dir["plain"];

    public static async Task<ShippedBed> StartAsync(int fakeGpus, CancellationToken cancellationToken)
    {
        var bed = new ShippedBed(await LaunchAsync(Shipped["default"], cancellationToken, fakeGpus, extraPolicies: _ => Shipped.Where(p => p.Key != "default").ToDictionary()));
        Directory.CreateDirectory(bed.Plain);
        File.SetUnixFileMode(bed.Plain, (UnixFileMode)0b111_101_101);
        Interop.Chown.Set(bed.Plain, bed.OwnerUid, bed.OwnerGid);
        return bed;
    }

    /// <summary>labctl as the test user in <paramref name="directory"/>.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsUserAsync(string directory, IEnumerable<string> args, CancellationToken cancellationToken) =>
        Tracker.TrackerBed.AsUserAsync(TestAccounts.User, directory, Path.Combine(AppContext.BaseDirectory, "labctl"), ["--socket", Labd.SocketPath, .. args], cancellationToken);
}
