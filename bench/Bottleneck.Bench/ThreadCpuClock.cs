using System.Runtime.InteropServices;

namespace Bottleneck.Bench;

/// <summary>
/// The calling thread's CPU time (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), for the benches' <c>--cpu-time</c> option:
/// on a machine shared with other work, a single-threaded measurement timed this way leaves out the time the thread waited for a
/// core (wall-clock medians then swing by 2–10×), though not the cache and memory bandwidth the other work takes. Meaningless for
/// work spread over several threads: only one-thread figures are timed this way.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    /// <summary>Whether the clock can be read here (Linux).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux();

    /// <summary>Seconds of CPU time the calling thread has used.</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public static double Now()
    {
        if (!IsAvailable)
            throw new PlatformNotSupportedException("--cpu-time needs Linux (clock_gettime(CLOCK_THREAD_CPUTIME_ID))");
        ClockGetTime(ClockThreadCpuTimeId, out var t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }
}
