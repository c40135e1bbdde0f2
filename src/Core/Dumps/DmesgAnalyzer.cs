using System.Text;
using System.Text.RegularExpressions;

namespace Kdumpd.Core.Dumps;

/// <summary>The panic line of a kernel log and the call trace after it.</summary>
public sealed record PanicReport(string? PanicLine, int? LineNumber, IReadOnlyList<string> CallTrace)
{
    /// <summary>One line for tables: the panic line without the printk timestamp.</summary>
    public string? Summary => PanicLine;
}

/// <summary>
/// Finds why the kernel died in a dmesg text (makedumpfile --dump-dmesg, vmcore-dmesg, SUSE's
/// dmesg). The first oops-class line wins (the root cause), except that a later "Kernel panic"
/// line is kept when nothing earlier matched. Reads at most <see cref="MaxBytes"/>.
/// </summary>
public static partial class DmesgAnalyzer
{
    public const int MaxBytes = 16 << 20;
    public const int MaxTraceLines = 64;

    private static readonly string[] _causeMarkers =
    [
        "BUG: ",
        "Oops: ",
        "Oops:",
        "general protection fault",
        "Unable to handle kernel",
        "kernel BUG at",
        "divide error:",
        "invalid opcode:",
        "watchdog: BUG: soft lockup",
        "Kernel panic - not syncing",
        "Hardware Error",
    ];

    public static PanicReport AnalyzeFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return AnalyzeStream(stream);
    }

    /// <summary>Reads at most <see cref="MaxBytes"/> of a dmesg opened by the caller (a <see cref="ConfinedFile"/>).</summary>
    public static PanicReport AnalyzeStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Math.Min(stream.Length, MaxBytes)];
        var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Analyze(Encoding.UTF8.GetString(buffer, 0, n));
    }

    public static PanicReport Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        int? causeAt = null;
        int? panicAt = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var body = StripPrefix(lines[i]);
            var marker = Array.FindIndex(_causeMarkers, m => body.StartsWith(m, StringComparison.Ordinal));
            if (marker < 0)
            {
                continue;
            }

            if (_causeMarkers[marker].StartsWith("Kernel panic", StringComparison.Ordinal))
            {
                panicAt ??= i;
            }
            else
            {
                causeAt ??= i;
            }

            if (causeAt is not null && panicAt is not null)
            {
                break;
            }
        }

        // sysrq-c and panic() give only the panic line; an oops gives the cause first.
        var at = causeAt ?? panicAt;
        if (at is null)
        {
            return new PanicReport(null, null, []);
        }

        var trace = new List<string>();
        var inTrace = false;
        for (var i = at.Value + 1; i < lines.Length && trace.Count < MaxTraceLines; i++)
        {
            var body = StripPrefix(lines[i]);
            if (body.StartsWith("Call Trace:", StringComparison.Ordinal))
            {
                inTrace = true;
                continue;
            }

            if (!inTrace)
            {
                if (i - at.Value > 40)
                {
                    break;
                }

                continue;
            }

            var frame = body.Trim();
            if (frame is "<TASK>" or "<IRQ>" or "</IRQ>")
            {
                continue;
            }

            if (frame == "</TASK>" || frame.Length == 0 || !FrameRegex().IsMatch(frame))
            {
                break;
            }

            trace.Add(frame);
        }

        return new PanicReport(StripPrefix(lines[at.Value]).TrimEnd('\r'), at.Value + 1, trace);
    }

    /// <summary>Removes "[   21.793926] " and "&lt;0&gt;" style prefixes.</summary>
    private static string StripPrefix(string line)
    {
        var s = line.TrimEnd('\r');
        var m = PrefixRegex().Match(s);
        return m.Success ? s[m.Length..] : s;
    }

    [GeneratedRegex(@"^(<\d+>)?(\[\s*\d+\.\d+\]\s?)?(\[\s*[CT]\d+\]\s?)?")]
    private static partial Regex PrefixRegex();

    // "? func+0x1/0x2", "func+0x1/0x2 [module]", "entry_SYSCALL_64_after_hwframe+0x6e/0xd8"
    [GeneratedRegex(@"^(\? )?[\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+")]
    private static partial Regex FrameRegex();
}
