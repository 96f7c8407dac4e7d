using Labd.Interop;
using Microsoft.Win32.SafeHandles;
using static Labd.Interop.Seccomp;

namespace Labd.Runs;

/// <summary>
/// The seccomp filter every sandbox target runs under, built with libseccomp and handed to
/// bwrap as <c>--seccomp FD</c> (bwrap installs it last, right before exec, so its own
/// mount/pivot_root work is unaffected). Default allow; the rules deny the kernel surface the
/// escape suite (A3, A4, A6, A8, A9, A10) probes. Only the native x86-64 ABI is in the
/// filter: a syscall through the i386 (<c>int $0x80</c>) or x32 ABI hits
/// SCMP_FLTATR_ACT_BADARCH, which kills the process.
/// </summary>
internal static class SeccompProfile
{
    internal const ulong Low32 = 0xFFFF_FFFF;

    /// <summary>Builds the filter and returns a memfd (offset 0) holding the BPF program.</summary>
    public static SafeFileHandle Export(bool inheritable)
    {
        using var ctx = Build();
        var fd = MemfdCreate.Create("labd-seccomp", inheritable);
        ExportBpf(ctx, fd);
        MemfdCreate.Rewind(fd);
        return fd;
    }

    private static SeccompContext Build()
    {
        var ctx = Init(ActAllow);
        SetAttribute(ctx, AttrActBadArch, ActKillProcess);
        var eperm = ActErrno(Errno.EPERM);

        // Terminal injection; the kernel compares only the low 32 bits of the request
        // (CVE-2019-10063), so the filter must too.
        foreach (var request in new ulong[] { 0x5412 /* TIOCSTI */, 0x541C /* TIOCLINUX */ })
        {
            AddRule(ctx, eperm, "ioctl", Masked(1, Low32, request));
        }

        foreach (var name in DeniedSyscalls)
        {
            AddRule(ctx, eperm, name);
        }

        // New namespaces through clone(2); clone3 passes flags in memory seccomp cannot read,
        // so it reports ENOSYS and libc falls back to clone(2).
        foreach (var flag in NamespaceCloneFlags)
        {
            AddRule(ctx, eperm, "clone", Masked(0, flag, flag));
        }
        AddRule(ctx, ActErrno(Errno.ENOSYS), "clone3");

        foreach (var family in new ulong[] { 17 /* AF_PACKET */, 38 /* AF_ALG */, 40 /* AF_VSOCK */ })
        {
            AddRule(ctx, eperm, "socket", Masked(0, Low32, family));
        }

        // personality(2): only PER_LINUX, PER_LINUX32 and ADDR_NO_RANDOMIZE combinations
        // (0, 8, 0x20000, 0x20008). libseccomp cannot combine two comparisons on one argument,
        // so the other values are denied as aligned blocks plus one "greater than" rule.
        AddRule(ctx, eperm, "personality", new ArgCmp { Arg = 0, Op = CompareOp.Greater, DatumA = 0x20008 });
        foreach (var (lo, hi) in new (ulong, ulong)[] { (1, 7), (9, 0x1FFFF), (0x20001, 0x20007) })
        {
            foreach (var (mask, value) in AlignedBlocks(lo, hi))
            {
                AddRule(ctx, eperm, "personality", Masked(0, mask, value));
            }
        }
        return ctx;
    }

    private static readonly string[] DeniedSyscalls =
    [
        "keyctl", "add_key", "request_key",
        "ptrace", "process_vm_readv", "process_vm_writev",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        "bpf", "perf_event_open", "userfaultfd",
        "mount", "umount2", "pivot_root", "chroot",
        "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
        "unshare", "setns",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl",
    ];

    private static readonly ulong[] NamespaceCloneFlags =
    [
        0x00020000, // CLONE_NEWNS
        0x02000000, // CLONE_NEWCGROUP
        0x04000000, // CLONE_NEWUTS
        0x08000000, // CLONE_NEWIPC
        0x10000000, // CLONE_NEWUSER
        0x20000000, // CLONE_NEWPID
        0x40000000, // CLONE_NEWNET
    ];

    private static ArgCmp Masked(uint arg, ulong mask, ulong value) =>
        new() { Arg = arg, Op = CompareOp.MaskedEqual, DatumA = mask, DatumB = value };

    /// <summary>Splits [lo, hi] into power-of-two aligned blocks, each an exact (mask, value) match.</summary>
    internal static IEnumerable<(ulong Mask, ulong Value)> AlignedBlocks(ulong lo, ulong hi)
    {
        while (lo <= hi)
        {
            var size = 1UL;
            while (lo % (size * 2) == 0 && lo + (size * 2) - 1 <= hi)
            {
                size *= 2;
            }
            yield return (~(size - 1), lo);
            lo += size;
        }
    }
}
