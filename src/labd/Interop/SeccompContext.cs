using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>A libseccomp filter context (scmp_filter_ctx), released with seccomp_release(3).</summary>
internal sealed class SeccompContext : SafeHandleZeroOrMinusOneIsInvalid
{
    public SeccompContext()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Seccomp.seccomp_release(handle);
        return true;
    }
}
