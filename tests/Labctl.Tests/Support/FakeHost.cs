using Labctl.Doctor;

namespace Labctl.Tests.Support;

/// <summary>
/// A made-up machine for doctor's checks: host paths live under a temp root, programs in its
/// bin/, and probe programs are answered by <see cref="ProbeAnswer"/> instead of being run.
/// </summary>
internal sealed class FakeHost : IDisposable
{
    private readonly TempDirectory _root = new();

    public FakeHost()
    {
        Directory.CreateDirectory(Bin);
    }

    public string Root => _root.Path;

    public string Bin => _root.Combine("bin");

    public string SocketPath => _root.Combine("labd.sock");

    public List<(string Program, IReadOnlyList<string> Arguments)> Probes { get; } = [];

    public ProbeResult ProbeAnswer { get; set; } = new(0, "");

    public string Write(string hostPath, string content) => _root.Write(hostPath.TrimStart('/'), content);

    public string Path(string hostPath) => _root.Combine(hostPath.TrimStart('/'));

    /// <summary>Puts an executable for each of <paramref name="programs"/> in bin/.</summary>
    public FakeHost Install(params string[] programs)
    {
        foreach (var program in programs)
        {
            var path = System.IO.Path.Join(Bin, program);
            File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return this;
    }

    /// <summary>A host where every check passes (labd itself aside).</summary>
    public FakeHost Healthy()
    {
        Install("bwrap", "rootlesskit", "slirp4netns", "iptables", "nft", "newuidmap", "newgidmap", "unshare", "setpriv");
        File.SetUnixFileMode(Write("/dev/net/tun", ""), (UnixFileMode)0b110_110_110);
        Write("/proc/sys/user/max_user_namespaces", "63422\n");
        Write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nlabd-sbx-0:x:990:990::/nonexistent:/usr/sbin/nologin\nlabd-sbx-1:x:991:991::/nonexistent:/usr/sbin/nologin\n");
        Write("/etc/subuid", "labd-sbx-0:200000:65536\nlabd-sbx-1:265536:65536\n");
        Write("/etc/subgid", "labd-sbx-0:200000:65536\n991:265536:65536\n");
        Write("/proc/self/mountinfo", "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
        return this;
    }

    /// <summary>A host whose PID 1 is systemd (sd_booted(3): /run/systemd/system exists).</summary>
    public FakeHost WithSystemd()
    {
        Directory.CreateDirectory(Path("/run/systemd/system"));
        return this;
    }

    public HostProbe Probe(bool isRoot = true) => new(Root, [Bin], SocketPath, isRoot, (program, arguments, _) =>
    {
        Probes.Add((program, arguments));
        return Task.FromResult(ProbeAnswer);
    });

    public void Dispose() => _root.Dispose();
}
