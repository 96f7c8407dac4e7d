using System.Buffers.Binary;
using System.Net.Sockets;

namespace Labd.Interop;

/// <summary>The credentials of the process at the other end of a Unix socket, from SO_PEERCRED (socket(7), unix(7)).</summary>
internal readonly record struct PeerCredentials(int Pid, int Uid, int Gid)
{
    internal const int SolSocket = 1;
    internal const int SoPeerCred = 17;

    /// <summary>Reads SO_PEERCRED; the kernel records them at connect(2), so they cannot be forged later.</summary>
    public static PeerCredentials Of(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> ucred = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != ucred.Length)
        {
            throw new InvalidOperationException($"SO_PEERCRED returned {length} bytes, expected {ucred.Length}");
        }
        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(ucred[8..]));
    }
}
