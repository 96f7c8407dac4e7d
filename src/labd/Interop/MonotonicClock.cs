using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>CLOCK_MONOTONIC (clock_gettime(2)), the clock systemd's MONOTONIC_USEC= refers to.</summary>
internal static partial class MonotonicClock
{
    internal const int ClockMonotonic = 1;

    public static long NowMicroseconds()
    {
        Timespec ts = default;
        Errno.Check(() => ClockGettime(ClockMonotonic, ref ts), "clock_gettime(CLOCK_MONOTONIC)");
        return (ts.Seconds * 1_000_000) + (ts.Nanoseconds / 1_000);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGettime(int clock, ref Timespec ts);
}
