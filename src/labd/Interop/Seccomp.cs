using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>
/// libseccomp (seccomp_init(3), seccomp_rule_add(3), seccomp_export_bpf(3)). libseccomp
/// reports failures as negative errno values; the helpers turn them into
/// <see cref="Win32Exception"/>.
/// </summary>
internal static partial class Seccomp
{
    internal const string Library = "libseccomp.so.2";

    public const uint ActAllow = 0x7fff0000;
    public const uint ActKillProcess = 0x80000000;

    /// <summary>SCMP_FLTATR_ACT_BADARCH: action for syscalls from an architecture not in the filter.</summary>
    public const int AttrActBadArch = 2;

    public static uint ActErrno(int errno) => 0x00050000u | ((uint)errno & 0xffff);

    [StructLayout(LayoutKind.Sequential)]
    public struct ArgCmp
    {
        public uint Arg;
        public CompareOp Op;
        public ulong DatumA;
        public ulong DatumB;
    }

    public enum CompareOp
    {
        NotEqual = 1,
        Less = 2,
        LessOrEqual = 3,
        Equal = 4,
        GreaterOrEqual = 5,
        Greater = 6,
        MaskedEqual = 7,
    }

    public static SeccompContext Init(uint defaultAction)
    {
        var ctx = seccomp_init(defaultAction);
        if (ctx.IsInvalid)
        {
            ctx.Dispose();
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "seccomp_init failed");
        }
        return ctx;
    }

    public static void SetAttribute(SeccompContext ctx, int attribute, uint value) =>
        Check(seccomp_attr_set(ctx, attribute, value), "seccomp_attr_set");

    /// <summary>Adds a rule; a syscall unknown to this kernel/libseccomp is skipped (returns false).</summary>
    public static bool AddRule(SeccompContext ctx, uint action, string syscall, params ReadOnlySpan<ArgCmp> args)
    {
        var nr = seccomp_syscall_resolve_name(syscall);
        if (nr == NrUnknown)
        {
            return false;
        }
        Check(seccomp_rule_add_array(ctx, action, nr, (uint)args.Length, args), $"seccomp_rule_add({syscall})");
        return true;
    }

    public static void ExportBpf(SeccompContext ctx, SafeHandle fd)
    {
        var added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            Check(seccomp_export_bpf(ctx, (int)fd.DangerousGetHandle()), "seccomp_export_bpf");
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    internal const int NrUnknown = -10101; // __NR_SCMP_ERROR

    private static void Check(int rc, string what)
    {
        if (rc < 0)
        {
            throw new Win32Exception(-rc, what + " failed");
        }
    }

    [LibraryImport(Library, SetLastError = true)]
    private static partial SeccompContext seccomp_init(uint defaultAction);

    [LibraryImport(Library)]
    internal static partial void seccomp_release(IntPtr ctx);

    [LibraryImport(Library)]
    private static partial int seccomp_attr_set(SeccompContext ctx, int attribute, uint value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int seccomp_syscall_resolve_name(string name);

    [LibraryImport(Library)]
    private static partial int seccomp_rule_add_array(SeccompContext ctx, uint action, int syscall, uint argCount, ReadOnlySpan<ArgCmp> args);

    [LibraryImport(Library)]
    private static partial int seccomp_export_bpf(SeccompContext ctx, int fd);
}
