/* Escape-suite probes run inside labd sandboxes. Each subcommand prints NAME=RESULT lines,
 * where RESULT is "ok" (the call succeeded) or the errno name. Compiled by the test fixture. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void report(const char *name, long rc)
{
    if (rc >= 0)
        printf("%s=ok\n", name);
    else
        printf("%s=%s\n", name, strerrorname_np(errno));
    fflush(stdout);
}

static int mounts(int argc, char **argv)
{
    const char *path = argv[2];
    report("umount", umount2(path, 0));
    report("umount_lazy", umount2(path, MNT_DETACH));
    report("remount_rw", mount(NULL, path, NULL, MS_REMOUNT | MS_BIND, NULL));
    report("mount_tmpfs", mount("x", path, "tmpfs", 0, NULL));
    return 0;
}

static int namespaces(void)
{
    report("unshare_user", unshare(CLONE_NEWUSER));
    report("unshare_mnt", unshare(CLONE_NEWNS));
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    report("clone_newuser", pid);
    report("clone3", syscall(SYS_clone3, NULL, 0));
    report("setns", setns(-1, 0));
    report("open_tree", syscall(SYS_open_tree, -1, NULL, 0));
    report("move_mount", syscall(SYS_move_mount, -1, NULL, -1, NULL, 0));
    report("fsopen", syscall(SYS_fsopen, NULL, 0));
    report("fsmount", syscall(SYS_fsmount, -1, 0, 0));
    report("fspick", syscall(SYS_fspick, -1, NULL, 0));
    report("mount_setattr", syscall(SYS_mount_setattr, -1, NULL, 0, NULL, 0));
    report("pivot_root", syscall(SYS_pivot_root, NULL, NULL));
    report("chroot", chroot("/tmp"));
    return 0;
}

static int kernel(void)
{
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
    report("bpf", syscall(SYS_bpf, 0, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("userfaultfd", syscall(SYS_userfaultfd, 0));
    report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
    report("init_module", syscall(SYS_init_module, NULL, 0, ""));
    report("socket_alg", socket(38, SOCK_SEQPACKET, 0));
    report("socket_vsock", socket(40, SOCK_STREAM, 0));
    report("socket_packet", socket(17, SOCK_RAW, 0));
    report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0));
    report("add_key", syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_SESSION_KEYRING));
    report("request_key", syscall(SYS_request_key, "user", "k", NULL, 0));
    /* Attach to a sibling process of our own (attaching to pid 1 would stop the sandbox's reaper). */
    pid_t victim = fork();
    if (victim == 0) {
        pause();
        _exit(0);
    }
    report("ptrace", syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, victim, 0, 0));
    kill(victim, SIGKILL);
    waitpid(victim, NULL, 0);
    report("process_vm_readv", syscall(SYS_process_vm_readv, 1, NULL, 0, NULL, 0, 0));
    /* Last: on success it changes this process's personality. */
    report("personality_ffff", syscall(SYS_personality, 0xffff));
    return 0;
}

/* i386 ABI from a 64-bit binary: socketcall(SYS_SOCKET) and socket via int $0x80. */
static long int80(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

static int abi(void)
{
    /* The i386 ABI takes 32-bit pointers: put the socketcall arguments below 4 GiB. */
    unsigned int *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    args[0] = 1 /* AF_UNIX */;
    args[1] = 1 /* SOCK_STREAM */;
    args[2] = 0;
    printf("i386 socketcall=%ld\n", int80(102, 1, (long)(uintptr_t)args, 0));
    fflush(stdout);
    printf("i386 socket=%ld\n", int80(359, 1, 1, 0));
    fflush(stdout);
    return 0;
}

static int x32(void)
{
    /* x32 ABI: syscall number with bit 30 set (__X32_SYSCALL_BIT); 39 = getpid on x32. */
    long r = syscall(0x40000000 | 39);
    printf("x32 getpid=%ld\n", r);
    fflush(stdout);
    return 0;
}

/* TIOCSTI on our own controlling terminal (a fresh pty), plain and with the upper 32 bits set. */
static int tiocsti(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        report("openpt", -1);
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int slave = open(ptsname(master), O_RDWR);
        ioctl(slave, TIOCSCTTY, 0);
        char c = '#';
        report("tiocsti", ioctl(slave, TIOCSTI, &c));
        report("tiocsti_high_bits", syscall(SYS_ioctl, slave, (0x123UL << 32) | TIOCSTI, &c));
        char sel[2] = {2, 0};
        report("tioclinux", syscall(SYS_ioctl, slave, 0x541C, sel));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    return 0;
}

static int fds(void)
{
    char path[64], target[256];
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n >= 0 && fcntl(fd, F_GETFD) >= 0) {
            target[n] = 0;
            printf("fd %d -> %s\n", fd, target);
        }
    }
    return 0;
}

/* B18: the cgroup mounts of CVE-2022-0492's precondition, on a directory of our own. */
static int cgroupmount(const char *dir)
{
    report("mount_cgroup1_memory", mount("c", dir, "cgroup", 0, "memory"));
    report("mount_cgroup2", mount("none", dir, "cgroup2", 0, NULL));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (!strcmp(argv[1], "mounts") && argc > 2)
        return mounts(argc, argv);
    if (!strcmp(argv[1], "umount") && argc > 2) {
        report("umount", umount2(argv[2], 0));
        return 0;
    }
    if (!strcmp(argv[1], "namespaces"))
        return namespaces();
    if (!strcmp(argv[1], "kernel"))
        return kernel();
    if (!strcmp(argv[1], "abi"))
        return abi();
    if (!strcmp(argv[1], "x32"))
        return x32();
    if (!strcmp(argv[1], "tiocsti"))
        return tiocsti();
    if (!strcmp(argv[1], "cgroupmount") && argc > 2)
        return cgroupmount(argv[2]);
    if (!strcmp(argv[1], "fds"))
        return fds();
    return 2;
}
