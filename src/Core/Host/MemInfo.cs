using System.Globalization;

namespace Kdumpd.Core.Host;

/// <summary>
/// The three figures of /proc/meminfo that say how much room a process has: total, free and available
/// (MemAvailable: free plus what the kernel can reclaim). The capture initrd prints them, so an operator
/// sees how close the capture kernel ran to its reservation.
/// </summary>
public sealed record MemInfo(long TotalBytes, long FreeBytes, long AvailableBytes)
{
    /// <summary>Parses "MemTotal:  262772 kB" lines; null when MemTotal or MemFree is missing (MemAvailable falls back to MemFree).</summary>
    public static MemInfo? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long? total = null, free = null, available = null;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || fields[1] != "kB" || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                continue;
            }

            switch (line[..colon])
            {
                case "MemTotal": total = kib * 1024; break;
                case "MemFree": free = kib * 1024; break;
                case "MemAvailable": available = kib * 1024; break;
            }
        }

        return total is { } t && free is { } f ? new MemInfo(t, f, available ?? f) : null;
    }
}
