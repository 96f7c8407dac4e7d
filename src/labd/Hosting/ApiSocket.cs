using System.Globalization;
using System.Net.Sockets;
using Labd.Api;
using Labd.Interop;

namespace Labd.Hosting;

/// <summary>
/// The listening API socket: inherited from systemd (socket activation, sd_listen_fds(3))
/// or bound here with mode 0660 and group <c>labd</c>. Kestrel is handed a descriptor.
/// </summary>
internal static class ApiSocket
{
    internal const int ListenFdsStart = 3;
    internal const UnixFileMode SocketMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>
    /// Returns fd 3 when systemd passed us sockets (LISTEN_PID is this process and
    /// LISTEN_FDS ≥ 1), else null. Clears the LISTEN_* variables either way, as
    /// sd_listen_fds(unset_environment=1) does, so children do not misread them.
    /// </summary>
    public static int? FromSocketActivation()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        foreach (var name in new[] { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        var forUs = int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var listenPid)
            && listenPid == Environment.ProcessId;
        return forUs && int.TryParse(fds, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            ? ListenFdsStart
            : null;
    }

    /// <summary>
    /// Binds <paramref name="path"/>: removes a stale socket file, but refuses when another
    /// labd answers there. Returns the bound socket (keep it alive: disposing it unlinks the
    /// path, which is what a clean shutdown wants) and a close-on-exec duplicate for Kestrel.
    /// </summary>
    public static (Socket Socket, int KestrelFd) Bind(string path, string groupName, UnixAccounts accounts)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        RemoveStale(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        // A fresh socket file gets 0755 from the umask: connect(2) needs write permission,
        // so nobody but root can connect before the chmod below.
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, SocketMode);
            // Unprivileged development runs keep the socket as their own; chown would fail.
            if (Environment.IsPrivilegedProcess && accounts.GroupId(groupName) is { } gid)
            {
                FileOwnership.Change(path, 0, gid);
            }
            socket.Listen(512);
            return (socket, Fds.DuplicateCloseOnExec((int)socket.SafeHandle.DangerousGetHandle()));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void RemoveStale(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            return;
        }
        if (!FileStatus.IsSocket(path))
        {
            throw new InvalidOperationException($"{path} exists and is not a socket; move it away or pass --socket with another path");
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody listens: a leftover from a killed labd.
            File.Delete(path);
            return;
        }
        catch (SocketException e)
        {
            // EAGAIN (a full backlog) or EACCES mean someone may still be there: never delete a live socket.
            throw new InvalidOperationException($"{path} exists and cannot be probed ({e.SocketErrorCode}); if no labd is running, remove it and start again", e);
        }
        throw new InvalidOperationException($"another labd is already answering on {path}; stop it (systemctl stop labd) or pass --socket with another path");
    }
}
