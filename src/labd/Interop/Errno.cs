using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>errno handling shared by the libc wrappers: retry EINTR, throw Win32Exception(errno).</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EBADF = 9;

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
}
