using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>errno values the sandbox code branches on, and the throw helper every libc wrapper uses.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int EWOULDBLOCK = EAGAIN;
    public const int EXDEV = 18;

    public static Win32Exception Last(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new Win32Exception(errno, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
