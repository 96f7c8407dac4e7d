using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>errno values labd branches on, and the helpers every libc wrapper uses: retry EINTR, throw Win32Exception(errno).</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;
    public const int EWOULDBLOCK = EAGAIN;

    /// <summary>Calls <paramref name="call"/> until it stops failing with EINTR; throws on any other failure.</summary>
    public static int Check(Func<int> call, string what)
    {
        while (true)
        {
            var result = call();
            if (result != -1)
            {
                return result;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw new Win32Exception(errno, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    /// <summary>The exception for the errno the last P/Invoke left behind.</summary>
    public static Win32Exception Last(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new Win32Exception(errno, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
