using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>How the guilty frame is chosen from the frames a recipe collected.</summary>
public enum FramePick
{
    /// <summary>The first frame not skipped.</summary>
    First,

    /// <summary>A stall or lockup loops in varying code: the frame just above where the work was entered (a syscall, a workqueue, a softirq...).</summary>
    Stall,

    /// <summary>A hung task sleeps in the scheduler: waits on rtnl_lock and RCU grace periods are grouped by that wait, else the first frame outside sleeping and locking.</summary>
    Hung,
}

/// <summary>
/// Where a report's guilty frame is: a sequence of steps over the report's lines, each either
/// "the next line matching this pattern" (its group f, if any, is a frame) or "the frames of
/// the stack trace from here". A stack trace ends at the start of another trace ("Call Trace:",
/// "Allocated by task", "Freed by task", "backtrace:") or where the next step's line appears.
/// When the steps yield no usable frame, the fallback steps are tried.
/// </summary>
public sealed partial class FrameRecipe
{
    private readonly Step[] _steps;
    private readonly Step[]? _fallback;
    private readonly bool _skipCaptures;

    private FrameRecipe(Step[] steps, Step[]? fallback, bool skipCaptures)
    {
        _steps = steps;
        _fallback = fallback;
        _skipCaptures = skipCaptures;
    }

    private readonly record struct Step(Regex? Pattern)
    {
        public bool IsTrace => Pattern is null;
    }

    /// <summary>The frames of a stack trace, as a step.</summary>
    public static Regex? Trace => null;

    /// <summary>Steps whose frames are filtered by the skip tables.</summary>
    public static FrameRecipe Of(params Regex?[] steps) => new([.. steps.Select(s => new Step(s))], null, skipCaptures: true);

    /// <summary>As <see cref="Of(Regex?[])"/>, with fallback steps tried when these yield no frame.</summary>
    public static FrameRecipe Of(Regex?[] steps, Regex?[] fallback) => new([.. steps.Select(s => new Step(s))], [.. fallback.Select(s => new Step(s))], skipCaptures: true);

    /// <summary>A function named on a line of the report itself ("last function: f", "at: f+0x..."): taken as printed, nothing skipped.</summary>
    public static FrameRecipe Capture(params Regex[] steps) => new([.. steps.Select(s => new Step(s))], null, skipCaptures: false);

    /// <summary>Call Trace, then its frames.</summary>
    public static FrameRecipe CallTrace { get; } = Of(CallTraceRegex(), Trace);

    /// <summary>The faulting instruction, then the call trace: a fault named after where it happened unless that is a helper.</summary>
    public static FrameRecipe Ip { get; } = Of(IpLineRegex(), CallTraceRegex(), Trace);

    /// <summary>The faulting instruction only.</summary>
    public static FrameRecipe IpOnly { get; } = Of(IpLineRegex());

    /// <summary>
    /// A WARNING: the function of the instruction that trapped, unless that is a helper; then
    /// the call trace. (The trace after the RIP line starts with "Call Trace:", which ends the first attempt.)
    /// </summary>
    public static FrameRecipe Warning { get; } = Of([WarningIpRegex(), Trace], [CallTraceRegex(), Trace]);

    /// <summary>A stall: the code the timer interrupt found running (its RIP line), then the interrupted task's frames.</summary>
    public static FrameRecipe Stall { get; } = Of([TimerInterruptRegex(), IpLineRegex(), Trace], [StallFallbackRegex(), Trace]);

    public static bool IsStackStart(string line) => StackStartRegex().IsMatch(line);

    /// <summary>The guilty function, syscall prefixes removed, or null when the report has none usable.</summary>
    public string? Find(IReadOnlyList<string> report, string[] skip, FramePick pick)
    {
        var frames = Collect(report, _steps, skip);
        if (frames.Count == 0 && _fallback is not null)
        {
            frames = Collect(report, _fallback, skip);
        }

        return Pick([.. frames.Select(StackFrames.WithoutSyscallPrefix)], pick);
    }

    private List<string> Collect(IReadOnlyList<string> report, Step[] steps, string[] skip)
    {
        var frames = new List<string>();
        var i = 0;
        var traces = 0;
        for (var s = 0; s < steps.Length; s++)
        {
            if (steps[s].IsTrace)
            {
                // Only the first trace names the crash; a later one (allocation, origin) is context.
                if (traces++ > 0)
                {
                    break;
                }

                var next = s + 1 < steps.Length ? steps[s + 1].Pattern : null;
                while (i < report.Count)
                {
                    var line = report[i++];
                    if (IsStackStart(line))
                    {
                        break;
                    }

                    if (next is not null && next.Match(line) is { Success: true } m)
                    {
                        Add(frames, m, skip);
                        s++;
                        break;
                    }

                    if (ArmFrameRegex().Match(line) is { Success: true } arm)
                    {
                        // 32-bit arm prints "(f) from (caller+0x..)": the innermost frame is only on its first line.
                        AddFrame(frames, StackFrames.Clean(arm.Groups["f"].Value), skip);
                        AddFrame(frames, StackFrames.Clean(arm.Groups["g"].Value), skip);
                    }
                    else if (StackFrames.Parse(line) is { Unreliable: false } frame)
                    {
                        AddFrame(frames, frame.Function, skip);
                    }
                }
            }
            else
            {
                while (i < report.Count)
                {
                    var m = steps[s].Pattern!.Match(report[i++]);
                    if (m.Success)
                    {
                        Add(frames, m, skip);
                        break;
                    }
                }
            }
        }

        return frames;
    }

    private void Add(List<string> frames, Match m, string[] skip)
    {
        if (m.Groups["f"].Success && m.Groups["f"].Length > 0)
        {
            AddFrame(frames, StackFrames.Clean(m.Groups["f"].Value), skip);
        }
    }

    private void AddFrame(List<string> frames, string function, string[] skip)
    {
        if (!_skipCaptures || (!StackFrames.NotGuilty(function) && !Skipped(function, skip)))
        {
            frames.Add(function);
        }
    }

    private static bool Skipped(string function, string[] skip)
    {
        foreach (var pattern in skip)
        {
            if (Regex.IsMatch(function, pattern, RegexOptions.CultureInvariant))
            {
                return true;
            }
        }

        return false;
    }

    private static string? Pick(List<string> frames, FramePick pick)
    {
        if (frames.Count == 0)
        {
            return null;
        }

        return pick switch
        {
            // Without a dispatching frame (a short or truncated trace) the innermost frame is the best there is.
            FramePick.Stall => StallFrame(frames) ?? frames[0],
            FramePick.Hung => HungFrame(frames),
            _ => frames[0],
        };
    }

    private static string? StallFrame(List<string> frames)
    {
        var previous = frames[0];
        foreach (var f in frames)
        {
            if (StackFrames.IsStallAnchor(f))
            {
                return f.Contains("smp_call_function", StringComparison.Ordinal) ? "smp_call_function" : previous;
            }

            previous = f;
        }

        return null;
    }

    private static string? HungFrame(List<string> frames)
    {
        foreach (var f in frames)
        {
            if (f.Contains("rtnl_lock", StringComparison.Ordinal))
            {
                return f;
            }

            if (f.Contains("synchronize_rcu", StringComparison.Ordinal) || f.Contains("synchronize_srcu", StringComparison.Ordinal)
                || f.Contains("synchronize_net", StringComparison.Ordinal) || f.Contains("synchronize_sched", StringComparison.Ordinal))
            {
                return "synchronize_rcu";
            }
        }

        string[] waits = ["sched", "_lock", "_slowlock", "down", "rwsem", "completion", "kthread", "wait", "synchronize", "context_switch", "__switch_to", "cancel_delayed_work", "rcu_barrier"];
        return frames.FirstOrDefault(f => !waits.Any(w => f.Contains(w, StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"Call [Tt]race|Allocated:|Allocated by task \d+:|Freed:|Freed by task \d+:|[^k] backtrace(?: \(crc [0-9a-f]*\))?:|^backtrace(?: \(crc [0-9a-f]*\))?:|Backtrace:|Uninit was stored to memory at")]
    private static partial Regex StackStartRegex();

    [GeneratedRegex(@"Call [Tt]race:|Backtrace:")]
    internal static partial Regex CallTraceRegex();

    [GeneratedRegex(@"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:\[<?(?:0x)?[0-9a-f]+>?\] +){0,2}(?<f>[A-Za-z0-9_]+)[.+]|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?\[<?[0-9a-f]+>?\] +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))")]
    internal static partial Regex IpLineRegex();

    [GeneratedRegex(@"(?:(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:\[<?(?:0x)?[0-9a-f]+>?\] +){0,2}(?<f>[A-Za-z0-9_]+)[.+]|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?\[<?[0-9a-f]+>?\] +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))|--- interrupt: [0-9]+ at (?<f>[A-Za-z0-9_]+)[.+])")]
    private static partial Regex WarningIpRegex();

    [GeneratedRegex(@"^\s*\[<[0-9a-f]+>\] \((?<f>[A-Za-z0-9_.]+)\) from \[<[0-9a-f]+>\] \((?<g>[A-Za-z0-9_]+)[.+]")]
    private static partial Regex ArmFrameRegex();

    [GeneratedRegex(@"apic_timer_interrupt")]
    private static partial Regex TimerInterruptRegex();

    [GeneratedRegex(@"apic_timer_interrupt|Exception stack|el1h_64_irq")]
    private static partial Regex StallFallbackRegex();
}
