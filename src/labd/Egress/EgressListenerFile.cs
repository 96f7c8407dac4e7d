using System.Net;
using System.Text.Json;

namespace Labd.Egress;

/// <summary>
/// The ports a run's listeners were given, kept in the run directory
/// (<c>egress-listeners.json</c>) so that after a labd restart a re-adopted sandbox, whose
/// DNAT rules still point at those ports, gets its listeners back on the same ports.
/// </summary>
internal sealed record EgressListenerFile(string Address, Dictionary<int, int> Ports, int DnsPort)
{
    public const string FileName = "egress-listeners.json";

    public static EgressListenerFile? TryRead(string? runDirectory, IPAddress address)
    {
        var path = runDirectory is null ? null : Path.Combine(runDirectory, FileName);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        var file = JsonSerializer.Deserialize(File.ReadAllText(path), EgressJsonContext.Default.EgressListenerFile);
        return file is not null && file.Address == address.ToString() ? file : null;
    }

    public void Write(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, EgressJsonContext.Default.EgressListenerFile));
        File.Move(temporary, path, overwrite: true);
    }
}
