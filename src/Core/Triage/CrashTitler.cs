using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>
/// Names a crash the way syzbot does: the kind of report plus the guilty frame, normalized so
/// that two occurrences of one bug get one title (no addresses, offsets, numbers, task or
/// module names). The report named is the first one in the log: later ones are usually its
/// consequences (a panic, a lockdep splat from the oops path). A bare panic is titled by its
/// message. The rules are data: <see cref="CrashRules"/> holds one row per kind of report, with
/// how its guilty frame is found (<see cref="FrameRecipe"/>) and which frames it skips besides
/// the ones no report is ever about (<see cref="StackFrames.NotGuilty"/>).
/// </summary>
public static class CrashTitler
{
    /// <summary>Lines after a report's first line searched for its frames.</summary>
    public const int ReportSpan = 1000;

    /// <summary>Once a report has this many lines, a following panic or lockdep splat is the report's consequence and is cut off.</summary>
    private const int MinReportLines = 22;

    private const int MinKmsanReportLines = 16;

    public static PanicReport Analyze(IReadOnlyList<string> lines) => Analyze(new KernelLog([.. lines], new string?[lines.Count]));

    public static PanicReport Analyze(KernelLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var lines = log.Lines;
        for (var i = 0; i < lines.Length; i++)
        {
            if (CrashRules.Match(lines[i]) is not { } hit)
            {
                continue;
            }

            // A warning the kernel survived (its trace closed, no panic) is not what killed it when another report follows.
            while (hit.Match.Value.StartsWith("WARNING:", StringComparison.Ordinal) && NextAfterSurvived(lines, i) is { } next)
            {
                (i, hit) = next;
            }

            return Build(log, i, hit.Rule, hit.Match);
        }

        return PanicReport.None;
    }

    private static (int Line, (CrashRule Rule, Match Match) Hit)? NextAfterSurvived(string[] lines, int at)
    {
        var closed = false;
        for (var i = at + 1; i < lines.Length; i++)
        {
            if (lines[i].Contains("Kernel panic - not syncing", StringComparison.Ordinal))
            {
                return null;
            }

            if (lines[i].Contains("---[ end trace", StringComparison.Ordinal))
            {
                closed = true;
            }
            else if (CrashRules.Match(lines[i]) is { } hit && hit.Rule.StartsReport)
            {
                return closed ? (i, hit) : null;
            }
        }

        return null;
    }

    private static PanicReport Build(KernelLog log, int at, CrashRule rule, Match match)
    {
        var report = ReportLines(log, at, log.Lines[at][match.Index..]);
        var kind = rule.Kind(match, report);
        string? function = null;
        string? uncertain = null;
        if (rule.Recipe is { } recipe)
        {
            function = recipe.Find(report, rule.Skip, rule.Pick);
            uncertain = function is null ? "no stack frame outside the kernel's reporting code was found: the title names the kind of crash only" : null;
        }

        var title = kind is null ? null : function is null ? kind : rule.Format(kind, function);
        return new PanicReport(log.Lines[at].Trim(), at + 1, CallTraceLines(report), title, kind, function, uncertain);
    }

    /// <summary>
    /// The report's own lines: with printk caller ids, the lines of the reporting task or CPU
    /// (and of every CPU once an NMI backtrace of all CPUs starts); without them, the lines up
    /// to the next report, leaving out lines of other programs on the console (no timestamp
    /// where the report has one). A panic or lockdep splat after enough of the report is cut off.
    /// </summary>
    private static List<string> ReportLines(KernelLog log, int at, string header)
    {
        var lines = log.Lines;
        var caller = log.Callers[at];
        var minLines = lines[at].Contains("BUG: KMSAN:", StringComparison.Ordinal) ? MinKmsanReportLines : MinReportLines;
        var report = new List<string> { header };
        var cpuTraceback = false;
        var end = Math.Min(lines.Length, at + ReportSpan);
        for (var i = at + 1; i < end; i++)
        {
            var line = lines[i];
            if (log.Callers[i] != caller && !(cpuTraceback && log.Callers[i] is ['C', ..]))
            {
                continue;
            }

            if (caller is null or "" && CrashRules.StartsReport(line))
            {
                break;
            }

            if (line.Contains("Sending NMI from CPU", StringComparison.Ordinal))
            {
                cpuTraceback = true;
            }
            else if (report.Count >= minLines && (line.Contains("Kernel panic - not syncing", StringComparison.Ordinal) || line.Contains("WARNING: possible circular locking dependency detected", StringComparison.Ordinal)))
            {
                break;
            }

            if (!line.Contains("Disabling lock debugging due to kernel taint", StringComparison.Ordinal))
            {
                report.Add(line);
            }
        }

        return report;
    }

    private static List<string> CallTraceLines(List<string> report)
    {
        var trace = new List<string>();
        var start = report.FindIndex(FrameRecipe.IsStackStart);
        if (start < 0)
        {
            return trace;
        }

        for (var i = start + 1; i < report.Count && trace.Count < DmesgAnalyzer.MaxTraceLines; i++)
        {
            if (FrameRecipe.IsStackStart(report[i]))
            {
                break;
            }

            if (StackFrames.Parse(report[i]) is not null)
            {
                trace.Add(report[i].Trim());
            }
        }

        return trace;
    }

    /// <summary>Removes what differs between two occurrences of one bug: offsets, addresses, line numbers and numbers (digits inside identifiers stay).</summary>
    public static string Normalize(string text) => CrashRules.Normalize(text);
}
