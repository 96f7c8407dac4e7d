using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// GPU inventory source: either an explicit list of device nodes, or a directory scanned
/// for <c>nvidia&lt;N&gt;</c> nodes (tests point it at a directory of fake nodes).
/// </summary>
public sealed record GpusConfig(ImmutableArray<string> Devices, string DeviceDir)
{
    public static GpusConfig Default { get; } = new([], "/dev");

    public static ImmutableArray<string> Keys { get; } = ["devices", "deviceDir"];
}
