using System.Text;
using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>
/// A kernel log as lines of message text, whatever it came from: makedumpfile/vmcore-dmesg
/// output, `dmesg` (with or without -x, -T), /dev/kmsg records, syslog or journal exports,
/// in UTF-8, UTF-16 or a legacy 8-bit encoding. Prefixes (priority, timestamp, caller id,
/// syslog host) are removed so that rules see what printk was given.
/// </summary>
public static partial class KernelLogText
{
    /// <summary>Logs are read up to this many bytes; a kernel log buffer is at most a few MiB.</summary>
    public const int MaxBytes = 32 << 20;

    /// <summary>Decodes bytes of an unknown encoding: BOMs first, UTF-16 by its zero bytes, strict UTF-8, else Latin-1 (never fails).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xef, 0xbb, 0xbf]))
        {
            bytes = bytes[3..];
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xff, 0xfe]))
        {
            return Encoding.Unicode.GetString(bytes[2..(bytes.Length & ~1)]);
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xfe, 0xff]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..(bytes.Length & ~1)]);
        }
        else if (LooksUtf16(bytes, out var bigEndian))
        {
            return (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetString(bytes[..(bytes.Length & ~1)]);
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    /// <summary>The message text of each line, prefixes removed; NULs and carriage returns dropped.</summary>
    public static string[] Lines(string text) => Read(text).Lines;

    /// <summary>The message text of each line and the printk caller of each ("T123" a task, "C1" a CPU, "" a timestamp without caller id, null a line without a timestamp).</summary>
    public static KernelLog Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\0", string.Empty, StringComparison.Ordinal).Split('\n');
        var callers = new string?[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = StripPrefix(lines[i].TrimEnd('\r'), out callers[i]);
        }

        return new KernelLog(lines, callers);
    }

    /// <summary>Removes "&lt;4&gt;", "[  12.345678]", "[ T123]", "Jan  1 00:00:00 host kernel: ", "kern  :warn  : ", "4,123,456,-;" in any order.</summary>
    public static string StripPrefix(string line) => StripPrefix(line, out _);

    /// <summary>As <see cref="StripPrefix(string)"/>, also giving the caller id ("T123", "C1"); "" for a timestamp without one; null for no timestamp.</summary>
    public static string StripPrefix(string line, out string? caller)
    {
        ArgumentNullException.ThrowIfNull(line);
        caller = null;
        for (var round = 0; round < 6; round++)
        {
            var m = PrefixRegex().Match(line);
            if (!m.Success || m.Length == 0)
            {
                break;
            }

            if (m.Groups["caller"].Success)
            {
                caller = m.Groups["caller"].Value;
            }
            else if (m.Groups["time"].Success)
            {
                caller ??= string.Empty;
            }

            line = line[m.Length..];
        }

        return line;
    }

    private static bool LooksUtf16(ReadOnlySpan<byte> bytes, out bool bigEndian)
    {
        var sample = bytes[..(Math.Min(bytes.Length, 512) & ~1)];
        int evenZero = 0, oddZero = 0;
        for (var i = 0; i < sample.Length; i += 2)
        {
            evenZero += sample[i] == 0 ? 1 : 0;
            oddZero += sample[i + 1] == 0 ? 1 : 0;
        }

        var pairs = sample.Length / 2;
        bigEndian = evenZero > oddZero;
        return pairs >= 8 && Math.Max(evenZero, oddZero) > pairs * 3 / 4 && Math.Min(evenZero, oddZero) < pairs / 8;
    }

    // One prefix at a time; StripPrefix loops. A single space after a timestamp belongs to it,
    // further indentation belongs to the message (call-trace frames are indented).
    [GeneratedRegex(@"^(?:[\w-]+ login: |<\d{1,3}>|\s*(?<time>\[\s*\d+\.\d+\]) ?|\[\s*(?<caller>[CT]\d+)\] ?|\d+,\d+,\d+,[^;]*;|(?:[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*) \S+ kernel: ?|kernel: |kern *:[a-z]+ *: ?|\[[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4}\] ?)")]
    private static partial Regex PrefixRegex();
}

/// <summary>A kernel log's message lines and, per line, its printk caller id ("" with a timestamp but no caller id, null without a timestamp: other programs' output interleaved on a console).</summary>
public sealed record KernelLog(string[] Lines, string?[] Callers);
