using System.Runtime.ExceptionServices;
using Labd.Interop;

namespace Labd.Git;

/// <summary>
/// Runs repository work on a fresh thread whose filesystem identity is the lab owner's
/// (<see cref="FsIdentity"/>): objects and refs labd writes belong to the owner, and whatever
/// the repository points at (symlinked packs, alternates, a hard link to a root-only file) is
/// read with the owner's permissions, not root's. The thread ends with the work, so its
/// changed credentials never reach the thread pool.
/// </summary>
internal static class OwnerThread
{
    internal const int StackSize = 16 * 1024 * 1024;

    public static T Run<T>(int uid, int gid, Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    if (uid != 0 || gid != 0)
                    {
                        FsIdentity.Assume(uid, gid);
                    }
                    result = work();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            },
            StackSize)
        {
            Name = "labd-git",
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
