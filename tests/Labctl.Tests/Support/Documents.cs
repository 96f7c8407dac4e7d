namespace Labctl.Tests.Support;

/// <summary>Documents as labd writes them, deliberately not in labctl's own formatting.</summary>
internal static class Documents
{
    public const string Version = """{"version":"0.3.1","apiVersion":1,"capabilities":["status","policy"]}""";

    /// <summary>Spacing, member order and an extra member labctl does not know: -o json must keep all of it.</summary>
    public const string Status = """
        {"version": "0.3.1", "startedAt": "2026-11-24T01:02:03+00:00", "uptimeSeconds": 3723.5,
         "stateDir": "/var/lib/labd", "socket": "/run/labd/labd.sock",
         "caller": {"kind": "admin", "uid": 0, "userName": "root"},
         "counts": {"labs": 2, "runs": 17},
         "gpus": [{"index": 0, "device": "/dev/nvidia0", "present": true}, {"index": 1, "device": "/dev/nvidia1", "present": false}],
         "sandbox": {"ready": false, "problems": ["/dev/net/tun is mode 0600"]},
         "futureField": {"nested": [1, 2.50, "x"]}}
        """;

    /// <summary><see cref="Status"/> of a labd that can start sandboxes.</summary>
    public static readonly string ReadyStatus = Status.Replace(
        "\"ready\": false, \"problems\": [\"/dev/net/tun is mode 0600\"]", "\"ready\": true, \"problems\": []", StringComparison.Ordinal);
}
