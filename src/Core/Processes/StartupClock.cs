using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kdumpd.Core.Processes;

/// <summary>
/// Where this process's start went, for the start-up log: from the exec to <c>Main</c> (the runtime's
/// own start, and the executable paged in from the disk), from <c>Main</c> on, and how many pages
/// were read from the disk to run it (a cold page cache at boot makes a large executable slow to start).
/// </summary>
public static partial class StartupClock
{
    private static long _main;

    /// <summary>Called first thing in Main.</summary>
    public static void MarkMain() => _main = Stopwatch.GetTimestamp();

    /// <summary>Time from the exec to <see cref="MarkMain"/>; null when unknown.</summary>
    public static TimeSpan? ExecToMain()
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
        // struct rusage on 64-bit Linux: two struct timeval (16 bytes each), then 14 longs; ru_majflt is the 6th.
        Span<long> usage = stackalloc long[18];
        return GetRusage(0 /* RUSAGE_SELF */, ref MemoryMarshal.GetReference(usage)) == 0 ? usage[4 + 5] : null;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, ref long usage);
}
