using System.Collections.Immutable;
using System.Globalization;

namespace Kdumpd.Core.Host;

/// <summary>The kernel's CPU list format ("0-3,8-11", "0", or empty) as sorted CPU numbers.</summary>
public static class CpuList
{
    /// <summary>Bounds a range so a corrupt "0-4294967295" cannot become a 4-billion-entry list.</summary>
    public const int MaxCpus = 65536;

    public static ImmutableArray<int> Parse(string text, string hostPath, string filePath)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            return [];
        }

        var cpus = new SortedSet<int>();
        foreach (var partRange in trimmed.Split(','))
        {
            var part = trimmed[partRange].Trim();
            var dash = part.IndexOf('-');
            int first, last;
            if (dash < 0)
            {
                first = last = ParseCpu(part, text, hostPath, filePath);
            }
            else
            {
                first = ParseCpu(part[..dash], text, hostPath, filePath);
                last = ParseCpu(part[(dash + 1)..], text, hostPath, filePath);
            }

            if (last < first)
            {
                throw new HostFileException(hostPath, filePath, $"CPU range '{part.ToString()}' runs backwards");
            }

            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    private static int ParseCpu(ReadOnlySpan<char> value, string text, string hostPath, string filePath)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cpu) || cpu >= MaxCpus)
        {
            throw new HostFileException(hostPath, filePath, $"malformed CPU list '{text.Trim()}'");
        }

        return cpu;
    }
}
