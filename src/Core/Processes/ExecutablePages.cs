using System.Globalization;
using System.Runtime.InteropServices;

namespace Kdumpd.Core.Processes;

/// <summary>One mapping of /proc/PID/smaps: its range, permissions, file, and the KiB it holds.</summary>
public readonly record struct MemoryMapping(ulong Start, ulong End, string Permissions, string Path, long ResidentKiB, long AnonymousKiB)
{
    public bool Writable => Permissions.Length > 1 && Permissions[1] == 'w';
}

/// <summary>
/// The daemon's start runs much of its executable once (host read, plan, web host build) and the pages
/// it touched stay mapped for days of idling. Those of the executable's read-only mappings that hold
/// no private copy are the file's own page-cache pages: dropping them from this process (madvise
/// MADV_DONTNEED) loses nothing. What the daemon runs again maps back from the page cache without
/// reading the disk, and what it does not run is reclaimable like any unmapped cache page; unlike
/// MADV_PAGEOUT nothing is evicted, so the next reload does not wait for the disk.
/// A mapping is dropped only as it is now, never as the ELF file declares it: the runtime writes into
/// its read-only data at start (the stack-protection cookie, under a temporary mprotect), and dropping
/// that page would bring back the file's bytes under every function still running (seen: a failed
/// cookie check, the daemon aborted under the load test).
/// </summary>
public static partial class ExecutablePages
{
    private const int MadvDontNeed = 4;

    // This process's own memory, not a host fact: read directly, never through the host root.
    private const string SelfMappings = "/proc/self/smaps";
    private const string SelfExecutable = "/proc/self/exe";

    /// <summary>The mappings in /proc/PID/smaps text (a header line per mapping, then "Key: value kB" lines).</summary>
    public static IReadOnlyList<MemoryMapping> Parse(IEnumerable<string> smaps)
    {
        ArgumentNullException.ThrowIfNull(smaps);
        var mappings = new List<MemoryMapping>();
        MemoryMapping? current = null;
        foreach (var line in smaps)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].IndexOf('-', StringComparison.Ordinal) is > 0 and var dash
                && ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
            {
                if (current is { } done)
                {
                    mappings.Add(done);
                }

                current = new MemoryMapping(start, end, fields[1], fields.Length == 6 ? fields[5].Trim() : "", 0, 0);
            }
            else if (current is { } mapping && fields is [var key, var value, "kB"] && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                current = key switch
                {
                    "Rss:" => mapping with { ResidentKiB = kib },
                    "Anonymous:" => mapping with { AnonymousKiB = kib },
                    _ => mapping,
                };
            }
        }

        if (current is { } last)
        {
            mappings.Add(last);
        }

        return mappings;
    }

    /// <summary>The mappings of <paramref name="executable"/> that are read-only now, hold no private (written) page, and hold some resident page.</summary>
    public static IReadOnlyList<MemoryMapping> Releasable(IEnumerable<MemoryMapping> mappings, string executable) =>
        [.. mappings.Where(m => m.Path == executable && !m.Writable && m.AnonymousKiB == 0 && m.ResidentKiB > 0)];

    /// <summary>
    /// Drops this process's resident pages of its executable's read-only, unwritten mappings; returns the
    /// KiB that were resident in them (0 where /proc is not there to say which).
    /// </summary>
    public static long ReleaseReadOnly()
    {
        try
        {
            return Release(File.ResolveLinkTarget(SelfExecutable, returnFinalTarget: true)?.FullName ?? "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Drops this process's resident pages of <paramref name="file"/>'s read-only, unwritten mappings; returns the KiB they held.</summary>
    internal static long Release(string file)
    {
        long released = 0;
        foreach (var mapping in Releasable(Parse(File.ReadLines(SelfMappings)), file))
        {
            if (Madvise((nuint)mapping.Start, (nuint)(mapping.End - mapping.Start), MadvDontNeed) == 0)
            {
                released += mapping.ResidentKiB;
            }
        }

        return released;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nuint address, nuint length, int advice);
}
