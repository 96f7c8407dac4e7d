using System.Diagnostics;
using System.Runtime.InteropServices;
using Labd.Experiments;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H1-H3): what labd does as root to a tree a sandbox could write
/// (chown it to the sandbox user and back, remove it) while something in the sandbox, or left
/// behind by it, swaps a directory of the tree for a symlink to a root-owned victim. Each test has
/// its negative control: the path-string walk labd used before, kept behind a test-only switch.
/// </summary>
public sealed class TreeRaceTests
{
    private const int SandboxUid = 64_999;
    private const int Entries = 300;
    /// <summary>How long the hardened walks race (about a hundred rounds here), and how long a control may take to lose.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ControlBound = TimeSpan.FromSeconds(90);

    /// <summary>A tree <c>tree/a/d0..dN</c> (each with a file) beside a root-owned 0700 <c>victim</c>
    /// holding the same names, and a swapper: <c>a → a.d</c>, symlink <c>a → ../victim</c>, back.</summary>
    private sealed class Bed : IDisposable
    {
        private readonly TestDir _dir = new();

        public Bed()
        {
            Root.Require("chowns and removes trees as root");
            Directory.CreateDirectory(Victim);
            Interop.Chmod.Set(Victim, 0b111_000_000);
            Fill(Victim);
            MakeTree();
        }

        public string Tree => _dir["tree"];

        public string Victim => _dir["victim"];

        public string A => Path.Combine(Tree, "a");

        public void MakeTree()
        {
            Directory.CreateDirectory(A);
            Fill(A);
        }

        private static void Fill(string directory)
        {
            for (var i = 0; i < Entries; i++)
            {
                var d = Path.Combine(directory, "d" + i);
                Directory.CreateDirectory(d);
                File.WriteAllText(Path.Combine(d, "f"), "x");
            }
        }

        /// <summary>Damage seen by <see cref="NoteDamage"/> at any point, with the damage now.</summary>
        public List<string> Damage() => [.. _seen.Union(VictimDamage())];

        /// <summary>Remembers the victim's damage now, before anything may refill it.</summary>
        public void NoteDamage() => _seen.UnionWith(VictimDamage());

        private readonly HashSet<string> _seen = [];

        /// <summary>Victim entries that are gone or no longer root's.</summary>
        public List<string> VictimDamage() =>
        [
            .. Enumerable.Range(0, Entries).Select(i => Path.Combine(Victim, "d" + i))
                .Where(d => !File.Exists(Path.Combine(d, "f")) || Interop.FileStatus.Owner(d) != 0 || Interop.FileStatus.Owner(Path.Combine(d, "f")) != 0),
        ];

        /// <summary>Swaps until <paramref name="stop"/>; the symlink stands <paramref name="symlinkShare"/>
        /// times as long as the directory (the controls make it stand most of the time, so the old walk
        /// loses by construction rather than by luck).</summary>
        public Task SwapAsync(int symlinkShare, CancellationToken stop) => Task.Run(() =>
        {
            var parked = A + ".d";
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    Directory.Move(A, parked);
                    File.CreateSymbolicLink(A, "../victim");
                    Thread.SpinWait(20_000 * symlinkShare);
                    File.Delete(A);
                    Directory.Move(parked, A);
                    Thread.SpinWait(20_000);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The tree is being removed or was removed under the swapper: carry on.
                }
            }
        }, CancellationToken.None);

        /// <summary>Swaps <c>a</c> for the symlink the moment something opens the directory <c>a</c>
        /// (inotify IN_OPEN on it), so a walk that has just opened <c>a</c> to read it, and then names
        /// its entries by path, finds them in the victim: the attack at its best moment, not by luck.</summary>
        public Task SwapOnOpenAsync(CancellationToken stop) => Task.Run(() =>
        {
            var parked = A + ".d";
            var buffer = new byte[4096];
            while (!stop.IsCancellationRequested)
            {
                var fd = Inotify.inotify_init1(Inotify.NonBlock | Inotify.CloseOnExec);
                if (fd < 0)
                {
                    throw new InvalidOperationException($"inotify_init1 failed: errno {Marshal.GetLastPInvokeError()}");
                }
                try
                {
                    // The tree is remade between rounds: watch the directory a while it is one.
                    if (Inotify.inotify_add_watch(fd, A, Inotify.Open | Inotify.OnlyDir | Inotify.DontFollow) < 0)
                    {
                        Thread.Yield();
                        continue;
                    }
                    var poll = new Inotify.PollFd { Fd = fd, Events = Inotify.PollIn };
                    while (!stop.IsCancellationRequested && Inotify.poll(ref poll, 1, 100) == 0)
                    {
                    }
                    // Only an open of a itself (an event without a name), not of a file inside it.
                    var read = Inotify.read(fd, buffer, buffer.Length);
                    if (read < 16 || BitConverter.ToUInt32(buffer, 12) != 0)
                    {
                        continue;
                    }
                    try
                    {
                        Directory.Move(A, parked);
                        File.CreateSymbolicLink(A, "../victim");
                    }
                    catch (IOException)
                    {
                        // The round removed or remade the tree first: watch again.
                    }
                }
                finally
                {
                    _ = Inotify.close(fd);
                }
            }
        }, CancellationToken.None);

        public void Dispose() => _dir.Dispose();
    }

    /// <summary>inotify(7) and poll(2), for <see cref="Bed.SwapOnOpenAsync"/>.</summary>
    private static class Inotify
    {
        public const int NonBlock = 0x800;
        public const int CloseOnExec = 0x80000;
        public const uint Open = 0x20;
        public const uint OnlyDir = 0x1000000;
        public const uint DontFollow = 0x2000000;
        public const short PollIn = 1;

        [StructLayout(LayoutKind.Sequential)]
        public struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [DllImport("libc", SetLastError = true)]
        public static extern int inotify_init1(int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int inotify_add_watch(int fd, string path, uint mask);

        [DllImport("libc", SetLastError = true)]
        public static extern int poll(ref PollFd fds, uint count, int timeout);

        [DllImport("libc", SetLastError = true)]
        public static extern nint read(int fd, byte[] buffer, nint count);

        [DllImport("libc")]
        public static extern int close(int fd);
    }

    /// <summary>Runs <paramref name="round"/> under the swapper until the victim is damaged or the
    /// bound passes; returns the rounds run and the damage.</summary>
    private static async Task<(int Rounds, List<string> Damage)> RaceAsync(Bed bed, Action round, CancellationToken cancellationToken, bool control = false, bool swapOnOpen = false)
    {
        using var stop = new CancellationTokenSource();
        var swapper = swapOnOpen ? bed.SwapOnOpenAsync(stop.Token) : bed.SwapAsync(control ? 10 : 1, stop.Token);
        var bound = control ? ControlBound : Bound;
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        List<string> damage = [];
        try
        {
            while (clock.Elapsed < bound && damage.Count == 0 && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    round();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
                {
                    // A round that meets the swap half-done may fail; only the victim is the oracle.
                }
                rounds++;
                damage = bed.Damage();
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }
        return (rounds, damage);
    }

    [Fact(Timeout = 120_000)]
    public async Task H1_handing_a_tree_to_the_sandbox_user_never_chowns_outside_it_during_a_swap()
    {
        using var bed = new Bed();
        var (rounds, damage) = await RaceAsync(bed, () => TreeOwnership.Give(bed.Tree, SandboxUid, SandboxUid), TestContext.Current.CancellationToken);
        Assert.True(damage.Count == 0, $"after {rounds} rounds the victim has {damage.Count} entries chowned or gone: {string.Join(", ", damage.Take(5))}");
        TestContext.Current.SendDiagnosticMessage($"H1: {rounds} descriptor walks under the swapper, victim untouched");
    }

    [Fact(Timeout = 120_000)]
    public async Task H1_negative_control_the_path_walk_chowns_the_victim_during_a_swap()
    {
        using var bed = new Bed();
        var (rounds, damage) = await RaceAsync(bed, () => TreeOwnership.Give(bed.Tree, SandboxUid, SandboxUid, byPath: true), TestContext.Current.CancellationToken, control: true);
        Assert.True(damage.Count > 0, $"{rounds} path walks never reached the victim");
        TestContext.Current.SendDiagnosticMessage($"H1 control: {damage.Count} victim entries chowned within {rounds} path walks");
    }

    private static void RemoveAndRemake(Bed bed, Action<string> remove)
    {
        try
        {
            remove(bed.Tree);
        }
        finally
        {
            // Look before remaking: remaking through a symlink left standing would refill the victim.
            bed.NoteDamage();
            if (new FileInfo(bed.A).LinkTarget is not null)
            {
                File.Delete(bed.A);
            }
            bed.MakeTree();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task H2_removing_a_tree_never_deletes_outside_it_during_a_swap()
    {
        using var bed = new Bed();
        var (rounds, damage) = await RaceAsync(bed, () => RemoveAndRemake(bed, TreeRemoval.Delete), TestContext.Current.CancellationToken);
        Assert.True(damage.Count == 0, $"after {rounds} removals the victim lost {damage.Count} entries: {string.Join(", ", damage.Take(5))}");
        TestContext.Current.SendDiagnosticMessage($"H2: {rounds} descriptor removals under the swapper, victim untouched");
    }

    [Fact(Timeout = 60_000)]
    public async Task H2_removing_a_tree_never_deletes_outside_it_when_the_swap_comes_as_it_opens_a_directory()
    {
        using var bed = new Bed();
        var (rounds, damage) = await RaceAsync(bed, () => RemoveAndRemake(bed, TreeRemoval.Delete), TestContext.Current.CancellationToken, swapOnOpen: true);
        Assert.True(damage.Count == 0, $"after {rounds} removals the victim lost {damage.Count} entries: {string.Join(", ", damage.Take(5))}");
        TestContext.Current.SendDiagnosticMessage($"H2 (swap on open): {rounds} descriptor removals, victim untouched");
    }

    [Fact(Timeout = 120_000)]
    public async Task H2_negative_control_a_recursive_delete_by_path_deletes_the_victim_during_a_swap()
    {
        using var bed = new Bed();
        var (rounds, damage) = await RaceAsync(bed, () => RemoveAndRemake(bed, tree => Directory.Delete(tree, recursive: true)), TestContext.Current.CancellationToken, control: true, swapOnOpen: true);
        Assert.True(damage.Count > 0, $"{rounds} path removals never reached the victim");
        TestContext.Current.SendDiagnosticMessage($"H2 control: {damage.Count} victim entries deleted within {rounds} Directory.Delete calls");
    }

    [Fact(Timeout = 60_000)]
    public async Task TreeRemoval_removes_nested_trees_symlinks_and_read_only_directories_and_ignores_a_missing_root()
    {
        using var dir = new TestDir();
        var tree = dir["t"];
        Directory.CreateDirectory(Path.Combine(tree, "x/y/z"));
        await File.WriteAllTextAsync(Path.Combine(tree, "x/y/z/f"), "1", TestContext.Current.CancellationToken);
        File.CreateSymbolicLink(Path.Combine(tree, "x/link"), "/etc");
        Interop.Chmod.Set(Path.Combine(tree, "x/y"), 0b101_000_000);

        TreeRemoval.Delete(tree);
        TreeRemoval.Delete(tree);

        Assert.False(Directory.Exists(tree));
        Assert.True(File.Exists("/etc/passwd"));
    }

    private static async Task<string> HardLinkedSetuidAsync(TestDir dir, CancellationToken cancellationToken)
    {
        var tree = dir["h3"];
        Directory.CreateDirectory(tree);
        var copy = Path.Combine(tree, "sh");
        File.Copy("/bin/dash", copy);
        await Command.CheckedAsync("chown", [$"{SandboxUid}:{SandboxUid}", tree, copy], cancellationToken);
        Interop.Chmod.Set(copy, 0b100_111_101_101);
        await Command.CheckedAsync("ln", [copy, Path.Combine(tree, "sh2")], cancellationToken);
        return tree;
    }

    [Fact(Timeout = 60_000)]
    public async Task H3_handing_a_tree_back_leaves_no_set_id_file_of_the_sandbox_user_hard_links_included()
    {
        Root.Require("chowns trees as root");
        using var dir = new TestDir();
        var tree = await HardLinkedSetuidAsync(dir, TestContext.Current.CancellationToken);

        TreeOwnership.Return(tree, SandboxUid, 1234, 1234);

        foreach (var name in new[] { "sh", "sh2" })
        {
            var stat = await Command.CheckedAsync("stat", ["-c", "%u %a", Path.Combine(tree, name)], CancellationToken.None);
            Assert.Equal("1234 755", stat.Trim());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task H3_negative_control_the_old_walk_leaves_a_hard_linked_setuid_copy_the_sandbox_users()
    {
        Root.Require("chowns trees as root");
        using var dir = new TestDir();
        var tree = await HardLinkedSetuidAsync(dir, TestContext.Current.CancellationToken);

        TreeOwnership.Return(tree, SandboxUid, 1234, 1234, byPath: true);

        var stat = await Command.CheckedAsync("stat", ["-c", "%u %a", Path.Combine(tree, "sh")], CancellationToken.None);
        Assert.Equal($"{SandboxUid} 4755", stat.Trim());
    }
}
