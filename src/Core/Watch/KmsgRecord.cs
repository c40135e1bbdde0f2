using System.Globalization;

namespace Kdumpd.Core.Watch;

/// <summary>
/// One /dev/kmsg record: <c>PRIO,SEQ,TS_USEC,FLAGS[,...];MESSAGE</c> (Documentation/ABI/testing/dev-kmsg).
/// PRIO packs facility and level (<c>facility &lt;&lt; 3 | level</c>); continuation lines that start
/// with a space carry KEY=VALUE metadata and are not records.
/// </summary>
public readonly record struct KmsgRecord(int Facility, int Level, ulong Sequence, ulong TimestampMicroseconds, string Message)
{
    public static bool TryParse(ReadOnlySpan<char> line, out KmsgRecord record)
    {
        record = default;
        line = line.TrimEnd('\n');
        var semicolon = line.IndexOf(';');
        if (semicolon <= 0)
        {
            return false;
        }

        var prefix = line[..semicolon];
        Span<Range> fields = stackalloc Range[5];
        var count = prefix.Split(fields, ',');
        if (count < 4
            || !int.TryParse(prefix[fields[0]], NumberStyles.None, CultureInfo.InvariantCulture, out var prio)
            || !ulong.TryParse(prefix[fields[1]], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            || !ulong.TryParse(prefix[fields[2]], NumberStyles.None, CultureInfo.InvariantCulture, out var usec))
        {
            return false;
        }

        record = new KmsgRecord(prio >> 3, prio & 7, seq, usec, line[(semicolon + 1)..].ToString());
        return true;
    }
}

/// <summary>
/// Recognises the kernel's reports that its own crash-hotplug header update did not happen.
/// Everything in kernel/crash_core.c and the arch handlers under CONFIG_CRASH_HOTPLUG is printed
/// with the prefix "crash hp: ", e.g. "kexec_trylock() failed, elfcorehdr may be inaccurate"
/// (renamed "... kdump image may be inaccurate" in 6.12), "unable to locate elfcorehdr segment",
/// "unable to create new elfcorehdr", "update elfcorehdr elfsz N &gt; memsz M",
/// "mapping elfcorehdr segment failed". The trylock one is only pr_info, so the words matter as
/// much as the level; pr_debug's "hp_action N" lines are not failures.
/// </summary>
public static class CrashHotplugFailureDetector
{
    public const string Prefix = "crash hp: ";

    private const int LogWarning = 4;

    private static readonly string[] _failureWords = ["inaccurate", "failed", "unable", "> memsz", "error"];

    /// <summary>LOG_KERN: records the kernel printed. Root can write to /dev/kmsg too, as LOG_USER.</summary>
    public const int KernelFacility = 0;

    /// <summary>A failure printed by the kernel itself; a "crash hp:" line a process wrote to /dev/kmsg does not count.</summary>
    public static bool IsFailure(in KmsgRecord record) => record.Facility == KernelFacility && IsFailure(record.Message, record.Level);

    public static bool IsFailure(string message, int level)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var text = message.AsSpan(Prefix.Length);
        if (text.StartsWith("hp_action", StringComparison.Ordinal))
        {
            return false;
        }

        if (level <= LogWarning)
        {
            return true;
        }

        foreach (var word in _failureWords)
        {
            if (text.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
