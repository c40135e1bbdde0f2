using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kdumpd.Core.Processes;

/// <summary>
/// Where this process's start went, for the start-up log: from the fork to <c>Main</c> (under systemd the
/// unit's sandbox set up before the exec, then the runtime's own start and the executable paged in from
/// the disk), from <c>Main</c> on, and how many pages were read from the disk to run it (a cold page
/// cache at boot makes a large executable slow to start).
/// </summary>
public static partial class StartupClock
{
    private static long _main;
    private static TimeSpan? _cpuBeforeMain;

    /// <summary>Called first thing in Main.</summary>
    public static void MarkMain()
    {
        _main = Stopwatch.GetTimestamp();
        _cpuBeforeMain = CpuTime();
    }

    /// <summary>
    /// CPU time this process had used when <see cref="MarkMain"/> ran: what the fork's child did before
    /// the exec (systemd's sandbox set-up), the exec and the runtime's start. Against
    /// <see cref="ForkToMain"/> it tells work from waiting (for the disk, or for a CPU the rest of the boot holds).
    /// </summary>
    public static TimeSpan? CpuBeforeMain => _cpuBeforeMain;

    /// <summary>Time from the process's creation (the kernel's start time is the fork's, not the exec's) to <see cref="MarkMain"/>; null when unknown.</summary>
    public static TimeSpan? ForkToMain()
    {
        if (_main == 0)
        {
            return null;
        }

        try
        {
            using var self = Process.GetCurrentProcess();
            return DateTime.Now - self.StartTime - Stopwatch.GetElapsedTime(_main);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Time since <see cref="MarkMain"/>.</summary>
    public static TimeSpan SinceMain => _main == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_main);

    /// <summary>Page faults of this process that read from the disk so far (getrusage's ru_majflt); null when unknown.</summary>
    public static long? MajorFaults()
    {
        Span<long> usage = stackalloc long[RusageFields.Count];
        return ReadUsage(usage) ? usage[RusageFields.MajorFaults] : null;
    }

    /// <summary>User and system CPU time of this process so far (getrusage's ru_utime + ru_stime); null when unknown.</summary>
    public static TimeSpan? CpuTime()
    {
        Span<long> usage = stackalloc long[RusageFields.Count];
        return ReadUsage(usage)
            ? TimeSpan.FromSeconds(usage[RusageFields.UserSeconds] + usage[RusageFields.SystemSeconds])
                + TimeSpan.FromMicroseconds(usage[RusageFields.UserMicroseconds] + usage[RusageFields.SystemMicroseconds])
            : null;
    }

    private static bool ReadUsage(Span<long> usage) => GetRusage(0 /* RUSAGE_SELF */, ref MemoryMarshal.GetReference(usage)) == 0;

    /// <summary>struct rusage on 64-bit Linux, in longs: ru_utime and ru_stime (struct timeval: seconds, microseconds), then 14 longs.</summary>
    private static class RusageFields
    {
        public const int Count = 18;
        public const int UserSeconds = 0;
        public const int UserMicroseconds = 1;
        public const int SystemSeconds = 2;
        public const int SystemMicroseconds = 3;
        public const int MajorFaults = 4 + 5;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, ref long usage);
}
