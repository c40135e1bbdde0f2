using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>
/// Names a crash the way syzbot does: the kind of report plus the first frame that is not the
/// kernel's reporting machinery, normalized so that two occurrences of one bug get one title
/// (no addresses, offsets, numbers, task or module names). The report chosen is the one that led
/// to the panic: the first of the reports printed back to back before "Kernel panic - not
/// syncing" (an earlier report closed by "---[ end trace" or far above is an unrelated warning);
/// without a panic line, the first report in the log. A bare panic is titled by its message.
/// </summary>
public static partial class CrashTitler
{
    /// <summary>Reports further apart than this are different episodes.</summary>
    public const int EpisodeGap = 200;

    /// <summary>Lines after a report's first line searched for its frames.</summary>
    public const int ReportSpan = 400;

    private enum From
    {
        None,
        Header,
        Ip,
        Trace,
        Stall,
        Hung,
        LockAcquire,
    }

    private sealed record Rule(Regex Header, Func<Match, IReadOnlyList<string>, int, string> Kind, From From, string[] Skip, bool IsPanic = false);

    private static readonly string[] _none = [];
    private static readonly string[] _lockSkip = ["lock", "spin_", "mutex", "rwsem", "down_", "up_", "_raw_", "queued_"];
    private static readonly string[] _scheduleSkip = ["schedule", "__schedule", "preempt_schedule"];

    private static readonly Rule[] _rules =
    [
        new(InvalidFreeRegex(), (_, _, _) => "KASAN: invalid-free", From.Header, ["kfree", "slab_", "__slab", "kmem_cache_free", "__kmem_cache_free", "___cache_free", "__cache_free", "vfree", "vunmap", "free_"]),
        new(KasanRegex(), (m, lines, at) => $"KASAN: {m.Groups["k"].Value}{Access(lines, at)}", From.Header, _none),
        new(KasanOldRegex(), (m, lines, at) => $"KASAN: {m.Groups["k"].Value}{Access(lines, at)}", From.None, _none),
        new(KfenceRegex(), (m, _, _) => $"KFENCE: {m.Groups["k"].Value}", From.Header, _none),
        new(KmsanRegex(), (m, _, _) => $"KMSAN: {m.Groups["k"].Value}", From.Header, _none),
        new(KcsanRegex(), (m, _, _) => $"KCSAN: {Normalize(m.Groups["k"].Value)}", From.None, _none),
        new(NullDerefRegex(), (_, _, _) => "BUG: unable to handle kernel NULL pointer dereference", From.Ip, _none),
        new(PagingRegex(), (_, _, _) => "BUG: unable to handle kernel paging request", From.Ip, _none),
        new(ArmUnableRegex(), (m, _, _) => $"BUG: unable to handle kernel {m.Groups["k"].Value}", From.Ip, _none),
        new(UnableRegex(), (_, _, _) => "BUG: unable to handle kernel", From.Ip, _none),
        new(SoftLockupRegex(), (_, _, _) => "watchdog: BUG: soft lockup", From.Stall, _none),
        new(HardLockupRegex(), (_, _, _) => "watchdog: Watchdog detected hard LOCKUP", From.Stall, _none),
        new(RcuStallRegex(), (_, _, _) => "INFO: rcu detected stall", From.Stall, ["rcu"]),
        new(HungTaskRegex(), (_, _, _) => "INFO: task hung", From.Hung, _none),
        new(CantDieRegex(), (_, _, _) => "INFO: task can't die", From.Trace, _scheduleSkip),
        new(NonStaticKeyRegex(), (_, _, _) => "INFO: trying to register non-static key", From.Trace, ["stack", "lock", "IRQ"]),
        new(SuspiciousRcuRegex(), (m, _, _) => $"{m.Groups["w"].Value}: suspicious RCU usage", From.Trace, ["rcu", "lockdep", "lock_is_held", "kmem", "slab"]),
        new(DeadlockRegex(), (_, _, _) => "possible deadlock", From.LockAcquire, _lockSkip),
        new(InconsistentLockRegex(), (_, _, _) => "inconsistent lock state", From.Trace, _lockSkip),
        new(BadUnlockRegex(), (m, _, _) => $"{m.Groups["w"].Value}: bad unlock balance", From.Trace, _lockSkip),
        new(RefcountWarningRegex(), (_, _, _) => "WARNING: refcount bug", From.Ip, ["refcount_", "__refcount_", "kref_"]),
        new(UsercopyWarningRegex(), (_, _, _) => "WARNING: bad usercopy", From.Trace, ["usercopy", "check_object_size", "__check_object_size"]),
        new(KobjectWarningRegex(), (_, _, _) => "WARNING: kobject bug", From.Trace, ["kobject_", "device_add", "sysfs_"]),
        new(ProcWarningRegex(), (_, _, _) => "WARNING: proc registration bug", From.Trace, ["proc_"]),
        new(KmallocWarningRegex(), (_, _, _) => "WARNING: kmalloc bug", From.Trace, ["kmalloc", "kvmalloc", "__kvmalloc"]),
        new(VmallocWarningRegex(), (_, _, _) => "WARNING: zero-size vmalloc", From.Trace, ["vmalloc", "__vmalloc"]),
        new(OdebugWarningRegex(), (_, _, _) => "WARNING: ODEBUG bug", From.Trace, ["debug_", "__debug_", "timer_", "del_timer", "__del_timer", "hrtimer_", "kfree", "slab_", "kmem_cache_free", "free_"]),
        new(LockdepWarningRegex(), (_, _, _) => "WARNING: locking bug", From.Ip, _lockSkip),
        new(WarningRegex(), (_, _, _) => "WARNING", From.Header, _none),
        new(UsercopyBugRegex(), (_, _, _) => "BUG: bad usercopy", From.Trace, ["usercopy", "check_object_size", "__check_object_size", "check_heap_object"]),
        new(MemoryLeakRegex(), (_, _, _) => "memory leak", From.Trace, ["kmemleak", "alloc", "__alloc", "_alloc"]),
        new(ListCorruptionRegex(), (_, _, _) => "BUG: corrupted list", From.Ip, ["list_", "__list_", "hlist_", "__hlist_"]),
        new(KernelBugRegex(), (_, _, _) => "kernel BUG", From.Ip, ["skb_"]),
        new(GpfRegex(), (_, _, _) => "general protection fault", From.Ip, _none),
        new(StackSegmentRegex(), (_, _, _) => "stack segment fault", From.Ip, _none),
        new(DivideErrorRegex(), (_, _, _) => "divide error", From.Ip, _none),
        new(InvalidOpcodeRegex(), (_, _, _) => "invalid opcode", From.Ip, _none),
        new(Int3Regex(), (_, _, _) => "int3", From.Ip, _none),
        new(DoubleFaultRegex(), (_, _, _) => "PANIC: double fault", From.Ip, _none),
        new(UbsanRegex(), (m, _, _) => $"UBSAN: {UbsanKind(m.Groups["k"].Value)}", From.Trace, ["ubsan", "__ubsan"]),
        new(SleepingRegex(), (_, _, _) => "BUG: sleeping function called from invalid context", From.Trace, ["might_sleep", "__might_", "might_fault", "___might_sleep"]),
        new(SchedAtomicRegex(), (_, _, _) => "BUG: scheduling while atomic", From.Trace, _scheduleSkip),
        new(PreemptibleRegex(), (m, _, _) => $"BUG: using {m.Groups["f"].Value}() in preemptible code", From.Trace, ["debug_smp_processor_id", "check_preemption_disabled", "__this_cpu_preempt_check"]),
        new(SpinlockRegex(), (m, _, _) => $"BUG: {m.Groups["k"].Value} {m.Groups["w"].Value}", From.Trace, _lockSkip),
        new(BadPageStateRegex(), (_, _, _) => "BUG: Bad page state", From.Trace, ["free_", "__free_", "bad_page", "page_", "folio_", "release_pages", "put_page", "__put_page"]),
        new(FixedBugRegex(), (m, _, _) => m.Groups["k"].Value, From.None, _none),
        new(StackGuardRegex(), (_, _, _) => "BUG: stack guard page was hit", From.Ip, _none),
        new(GenericBugRegex(), (m, _, _) => $"BUG: {Normalize(m.Groups["k"].Value)}", From.Ip, _none),
        new(InternalErrorRegex(), (_, _, _) => "Internal error", From.Ip, _none),
        new(OopsRegex(), (_, _, _) => "Oops", From.Ip, _none),
        new(PanicRegex(), (m, _, _) => $"Kernel panic - not syncing: {Normalize(m.Groups["m"].Value)}", From.None, _none, IsPanic: true),
    ];

    public static PanicReport Analyze(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var hits = new List<(int Line, Rule Rule, Match Match)>();
        int? panicAt = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var body = lines[i].TrimStart();
            if (body.Length < 4 || !MayBeHeader(body))
            {
                continue;
            }

            foreach (var rule in _rules)
            {
                var m = rule.Header.Match(body);
                if (!m.Success)
                {
                    continue;
                }

                if (rule.IsPanic)
                {
                    panicAt ??= i;
                }
                else if (panicAt is null)
                {
                    hits.Add((i, rule, m));
                }

                break;
            }

            if (panicAt is not null)
            {
                break;
            }
        }

        (int Line, Rule Rule, Match Match) chosen;
        if (hits.Count == 0)
        {
            if (panicAt is not { } p)
            {
                return PanicReport.None;
            }

            var m = PanicRegex().Match(lines[p].TrimStart());
            chosen = (p, _rules[^1], m);
        }
        else if (panicAt is null)
        {
            chosen = hits[0];
        }
        else
        {
            // Walk back from the last report before the panic while reports follow each other closely.
            var k = hits.Count - 1;
            while (k > 0 && hits[k].Line - hits[k - 1].Line <= EpisodeGap && !EndsBetween(lines, hits[k - 1].Line, hits[k].Line))
            {
                k--;
            }

            chosen = hits[k];
        }

        return Build(lines, chosen.Line, chosen.Rule, chosen.Match);
    }

    private static PanicReport Build(IReadOnlyList<string> lines, int at, Rule rule, Match match)
    {
        var kind = rule.Kind(match, lines, at);
        var end = Math.Min(lines.Count, at + ReportSpan);
        var trace = TraceFrames(lines, at + 1, end, out var traceLines);
        string? function = null;
        string? uncertain = null;
        if (rule.From != From.None)
        {
            function = rule.From switch
            {
                From.Header => FirstUsable([StackFrames.Clean(match.Groups["f"].Value)], rule.Skip) ?? FromIp(lines, at, end, rule.Skip) ?? FirstUsable(trace, rule.Skip),
                From.Ip => FromIp(lines, at, end, rule.Skip) ?? FirstUsable(trace, rule.Skip),
                From.Trace => FirstUsable(trace, rule.Skip) ?? FromIp(lines, at, end, rule.Skip),
                From.Stall => StallFrame(lines, at, end, rule.Skip),
                From.Hung => HungFrame(trace),
                From.LockAcquire => LockAcquireFrame(lines, at, end) ?? FirstUsable(trace, rule.Skip),
                _ => null,
            };
            if (function is null)
            {
                uncertain = "no stack frame outside the kernel's reporting code was found: the title names the kind of crash only";
            }
        }

        var title = function is null ? kind : $"{kind} in {function}";
        return new PanicReport(lines[at].Trim(), at + 1, traceLines, title, kind, function, uncertain);
    }

    private static bool MayBeHeader(string body) => body[0] is 'B' or 'K' or 'W' or 'I' or 'U' or 'g' or 'k' or 'l' or 'r' or 'w' or 'N' or 'O' or 'P' or 's' or 'd' or 'i' or 'n';

    private static bool EndsBetween(IReadOnlyList<string> lines, int from, int to)
    {
        for (var i = from + 1; i < to; i++)
        {
            if (lines[i].Contains("---[ end trace", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string? FirstUsable(IEnumerable<string> functions, string[] skip)
    {
        foreach (var f in functions)
        {
            if (f.Length > 0 && !StackFrames.IsReporting(f) && !StackFrames.IsHelper(f) && !Skipped(f, skip))
            {
                return f;
            }
        }

        return null;
    }

    private static bool Skipped(string function, string[] skip)
    {
        foreach (var s in skip)
        {
            if (s.EndsWith('_') || s.StartsWith('_') ? function.StartsWith(s, StringComparison.Ordinal) || function.Contains(s, StringComparison.Ordinal) : function.Contains(s, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The faulting instruction's function: the first IP line of the report before its call trace ends.</summary>
    private static string? FromIp(IReadOnlyList<string> lines, int at, int end, string[] skip)
    {
        for (var i = at; i < Math.Min(end, at + 80); i++)
        {
            if (i > at && IsOtherReport(lines[i]))
            {
                break;
            }

            if (StackFrames.InstructionPointer(lines[i]) is { } f)
            {
                return FirstUsable([f], skip);
            }
        }

        return null;
    }

    /// <summary>The end of a report. A panic line is not one: panic_on_warn prints it between a report's first line and its trace.</summary>
    private static bool IsOtherReport(string line) => line.Contains("---[ end trace", StringComparison.Ordinal);

    /// <summary>Frames of the first call trace after the report line (unreliable "? " frames left out), and its lines.</summary>
    private static List<string> TraceFrames(IReadOnlyList<string> lines, int from, int end, out List<string> traceLines)
    {
        traceLines = [];
        var frames = new List<string>();
        var i = from;
        for (; i < end; i++)
        {
            if (IsOtherReport(lines[i]))
            {
                return frames;
            }

            if (CallTraceRegex().IsMatch(lines[i]))
            {
                break;
            }
        }

        for (i++; i < end && traceLines.Count < DmesgAnalyzer.MaxTraceLines; i++)
        {
            var line = lines[i];
            if (StackFrames.Parse(line) is { } frame)
            {
                traceLines.Add(line.Trim());
                if (!frame.Unreliable)
                {
                    frames.Add(frame.Function);
                }

                continue;
            }

            if (StackFrames.InstructionPointer(line) is { } ip)
            {
                frames.Add(ip);
                continue;
            }

            if (!TraceContinuationRegex().IsMatch(line))
            {
                break;
            }
        }

        return frames;
    }

    /// <summary>
    /// A stall or lockup: the code that was looping, i.e. the interrupted context. The first IP
    /// line that follows the timer interrupt (or the report's first IP line), then the frames of
    /// the interrupted task; RCU and watchdog machinery skipped.
    /// </summary>
    private static string? StallFrame(IReadOnlyList<string> lines, int at, int end, string[] skip)
    {
        var candidates = new List<string>();
        var all = new List<string>();
        string? firstIp = null;
        var ipSinceIrq = false;
        var sawTrace = false;
        for (var i = at + 1; i < end; i++)
        {
            var line = lines[i].Trim();
            if (IsOtherReport(lines[i]) || (sawTrace && line.Length == 0))
            {
                break;
            }

            if (line is "</IRQ>" or "</NMI>" || line.Contains("apic_timer_interrupt", StringComparison.Ordinal) || line.StartsWith("<EOI>", StringComparison.Ordinal))
            {
                candidates.Clear();
                ipSinceIrq = false;
                continue;
            }

            if (CallTraceRegex().IsMatch(lines[i]))
            {
                sawTrace = true;
                continue;
            }

            var function = StackFrames.InstructionPointer(lines[i]);
            if (function is not null)
            {
                firstIp ??= function;
                ipSinceIrq = true;
            }
            else if (StackFrames.Parse(lines[i]) is { Unreliable: false } frame)
            {
                function = frame.Function;
            }

            if (function is not null)
            {
                candidates.Add(function);
                all.Add(function);
            }
        }

        // The interrupted code: its IP line when printed after the interrupt, else the report's first IP line.
        if (!ipSinceIrq && firstIp is not null)
        {
            candidates.Insert(0, firstIp);
        }

        string[] machinery = [.. skip, "rcu_", "watchdog", "hrtimer", "tick_", "irq_exit", "__irq_exit", "sysvec_", "asm_", "apic_timer"];
        var usable = candidates.Where(f => !StackFrames.IsReporting(f) && !Skipped(f, machinery)).ToList();
        string? previous = null;
        foreach (var f in usable)
        {
            if (StackFrames.IsStallAnchor(f))
            {
                if (f.StartsWith("smp_call_function", StringComparison.Ordinal))
                {
                    return "smp_call_function";
                }

                if (previous is not null)
                {
                    return previous;
                }
            }
            else if (!StackFrames.IsHelper(f))
            {
                previous ??= f;
            }
        }

        return FirstUsable(usable, machinery) ?? FirstUsable(all, machinery) ?? FromIp(lines, at, end, skip);
    }

    /// <summary>
    /// A hung task waits in the scheduler: the title names the first frame outside the sleeping
    /// and locking primitives. Waits on rtnl_lock and on RCU grace periods are grouped by that wait.
    /// </summary>
    private static string? HungFrame(List<string> frames)
    {
        foreach (var f in frames)
        {
            if (f == "rtnl_lock")
            {
                return f;
            }

            if (f is "synchronize_rcu" or "synchronize_srcu" or "synchronize_net" or "synchronize_sched" or "synchronize_rcu_expedited")
            {
                return "synchronize_rcu";
            }
        }

        string[] waits = ["sched", "_lock", "_slowlock", "down", "rwsem", "completion", "kthread", "wait", "synchronize", "context_switch", "__switch_to", "cancel_delayed_work", "rcu_barrier", "ret_from_fork", "io_schedule", "bit_wait", "mutex"];
        return FirstUsable(frames, waits);
    }

    /// <summary>Lockdep: the function that tried to take the lock ("... is trying to acquire lock:" then "at: f+0x..").</summary>
    private static string? LockAcquireFrame(IReadOnlyList<string> lines, int at, int end)
    {
        for (var i = at + 1; i < end; i++)
        {
            if (!lines[i].Contains("is trying to acquire", StringComparison.Ordinal))
            {
                continue;
            }

            for (var j = i + 1; j < Math.Min(end, i + 6); j++)
            {
                var m = AtFrameRegex().Match(lines[j]);
                if (m.Success)
                {
                    return FirstUsable([StackFrames.Clean(m.Groups["f"].Value)], _lockSkip);
                }
            }
        }

        return null;
    }

    private static string Access(IReadOnlyList<string> lines, int at)
    {
        for (var i = at + 1; i < Math.Min(lines.Count, at + 12); i++)
        {
            var m = AccessRegex().Match(lines[i]);
            if (m.Success)
            {
                return " " + m.Groups["a"].Value;
            }
        }

        return string.Empty;
    }

    private static string UbsanKind(string k) => k.Equals("Undefined behaviour", StringComparison.OrdinalIgnoreCase) ? "undefined-behaviour" : k;

    /// <summary>Removes what differs between two occurrences of one bug: offsets, addresses, numbers, [task:pid] and [module] tags.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = OffsetRegex().Replace(text, string.Empty);
        s = BracketTagRegex().Replace(s, string.Empty);
        s = AddressRegex().Replace(s, "ADDR");
        s = NumberRegex().Replace(s, "NUM");
        return WhitespaceRegex().Replace(s, " ").Trim().TrimEnd('.', ':', ' ');
    }

    [GeneratedRegex(@"^BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in (?<f>[A-Za-z_][\w.]*)")]
    private static partial Regex InvalidFreeRegex();

    [GeneratedRegex(@"^BUG: KASAN: (?<k>[a-z-]+) in (?<f>[A-Za-z_][\w.]*)")]
    private static partial Regex KasanRegex();

    [GeneratedRegex(@"^BUG: KASAN: (?<k>[a-z-]+) on address")]
    private static partial Regex KasanOldRegex();

    [GeneratedRegex(@"^BUG: KFENCE: (?<k>[a-z -]+?) in (?<f>[A-Za-z_][\w.]*)")]
    private static partial Regex KfenceRegex();

    [GeneratedRegex(@"^BUG: KMSAN: (?<k>[a-z-]+) in (?<f>[A-Za-z_][\w.]*)")]
    private static partial Regex KmsanRegex();

    [GeneratedRegex(@"^BUG: KCSAN: (?<k>.+)")]
    private static partial Regex KcsanRegex();

    [GeneratedRegex(@"^BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)")]
    private static partial Regex NullDerefRegex();

    [GeneratedRegex(@"^BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)")]
    private static partial Regex PagingRegex();

    [GeneratedRegex(@"^Unable to handle kernel (?<k>paging request|NULL pointer dereference|access to user memory)")]
    private static partial Regex ArmUnableRegex();

    [GeneratedRegex(@"^BUG: (?:unable|Unable) to handle kernel")]
    private static partial Regex UnableRegex();

    [GeneratedRegex(@"^(?:NMI )?(?:watchdog: )?BUG: soft lockup")]
    private static partial Regex SoftLockupRegex();

    [GeneratedRegex(@"^(?:NMI )?(?:watchdog: )?Watchdog detected hard LOCKUP")]
    private static partial Regex HardLockupRegex();

    [GeneratedRegex(@"^(?:rcu: )?INFO: rcu_(?:preempt|sched|bh|tasks) (?:self-)?detected(?: expedited)? stall")]
    private static partial Regex RcuStallRegex();

    [GeneratedRegex(@"^INFO: task .+ blocked (?:in I/O wait )?for more than \d+ seconds")]
    private static partial Regex HungTaskRegex();

    [GeneratedRegex(@"^INFO: task .+ can't die for more than")]
    private static partial Regex CantDieRegex();

    [GeneratedRegex(@"^INFO: trying to register non-static key")]
    private static partial Regex NonStaticKeyRegex();

    [GeneratedRegex(@"^(?<w>WARNING|INFO): suspicious RCU usage")]
    private static partial Regex SuspiciousRcuRegex();

    [GeneratedRegex(@"^WARNING: (?:possible circular locking dependency detected|possible recursive locking detected|possible irq lock inversion dependency detected|(?:SOFTIRQ|HARDIRQ)-(?:safe|READ-safe) -> (?:SOFTIRQ|HARDIRQ)-(?:unsafe|READ-irq-unsafe) lock order detected)")]
    private static partial Regex DeadlockRegex();

    [GeneratedRegex(@"^WARNING: inconsistent lock state")]
    private static partial Regex InconsistentLockRegex();

    [GeneratedRegex(@"^(?<w>WARNING|BUG): bad unlock balance detected")]
    private static partial Regex BadUnlockRegex();

    [GeneratedRegex(@"^WARNING: .*(?:lib/refcount\.c|refcount_warn_saturate|refcount_sub_and_test|refcount_inc)")]
    private static partial Regex RefcountWarningRegex();

    [GeneratedRegex(@"^WARNING: .*mm/usercopy\.c")]
    private static partial Regex UsercopyWarningRegex();

    [GeneratedRegex(@"^WARNING: .*lib/kobject\.c")]
    private static partial Regex KobjectWarningRegex();

    [GeneratedRegex(@"^WARNING: .*fs/proc/generic\.c")]
    private static partial Regex ProcWarningRegex();

    [GeneratedRegex(@"^WARNING: .*(?:mm/util\.c.*kvmalloc|mm/slab_common\.c.*kmalloc_slab|mm/slab_common\.c.*kmalloc)")]
    private static partial Regex KmallocWarningRegex();

    [GeneratedRegex(@"^WARNING: .*mm/vmalloc\.c.*__vmalloc_node")]
    private static partial Regex VmallocWarningRegex();

    [GeneratedRegex(@"^(?:usercopy: Kernel memory (?:exposure|overwrite) attempt detected|kernel BUG at mm/usercopy\.c)")]
    private static partial Regex UsercopyBugRegex();

    [GeneratedRegex(@"^(?:BUG: memory leak|unreferenced object 0x)")]
    private static partial Regex MemoryLeakRegex();

    [GeneratedRegex(@"^WARNING: .*lib/debugobjects\.c")]
    private static partial Regex OdebugWarningRegex();

    [GeneratedRegex(@"^WARNING: .*kernel/locking/lockdep\.c")]
    private static partial Regex LockdepWarningRegex();

    [GeneratedRegex(@"^WARNING: (?:(?:CPU: \d+ PID: \d+ )?at \S+ (?<f>[A-Za-z_][\w.]*)|\S+:\d+ at (?<f>[A-Za-z_][\w.]*)\+|\[.*\] \S+ at (?<f>[A-Za-z_][\w.]*))")]
    private static partial Regex WarningRegex();

    [GeneratedRegex(@"^(?:(?:list_\w+|hlist_\w+) corruption|kernel BUG at lib/list_debug\.c)")]
    private static partial Regex ListCorruptionRegex();

    [GeneratedRegex(@"^(?:kernel BUG at|Kernel BUG at|------------\[ cut here \]------------ kernel BUG at)")]
    private static partial Regex KernelBugRegex();

    [GeneratedRegex(@"^(?:Oops: )?general protection fault(?!.* error:\d+ in )")]
    private static partial Regex GpfRegex();

    [GeneratedRegex(@"^(?:Oops: )?stack segment: ")]
    private static partial Regex StackSegmentRegex();

    [GeneratedRegex(@"^(?:Oops: )?divide error: ")]
    private static partial Regex DivideErrorRegex();

    [GeneratedRegex(@"^(?:Oops: )?invalid opcode: ")]
    private static partial Regex InvalidOpcodeRegex();

    [GeneratedRegex(@"^(?:Oops: )?int3: ")]
    private static partial Regex Int3Regex();

    [GeneratedRegex(@"^(?:PANIC: )?double fault(?:, error_code|: )")]
    private static partial Regex DoubleFaultRegex();

    [GeneratedRegex(@"^UBSAN: (?<k>[A-Za-z-]+(?: behaviour)?) in ")]
    private static partial Regex UbsanRegex();

    [GeneratedRegex(@"^BUG: sleeping function called from invalid context")]
    private static partial Regex SleepingRegex();

    [GeneratedRegex(@"^BUG: scheduling while atomic")]
    private static partial Regex SchedAtomicRegex();

    [GeneratedRegex(@"^BUG: using (?<f>\w+)\(\) in preemptible")]
    private static partial Regex PreemptibleRegex();

    [GeneratedRegex(@"^BUG: (?<k>spinlock|rwlock) (?<w>lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)")]
    private static partial Regex SpinlockRegex();

    [GeneratedRegex(@"^BUG: Bad page state")]
    private static partial Regex BadPageStateRegex();

    [GeneratedRegex(@"^(?<k>BUG: workqueue lockup|BUG: Bad rss-counter state|BUG: Bad page map|BUG: non-zero pgtables_bytes on freeing mm|BUG: Dentry still in use|BUG: Object already free)")]
    private static partial Regex FixedBugRegex();

    [GeneratedRegex(@"^BUG: stack guard page was hit")]
    private static partial Regex StackGuardRegex();

    [GeneratedRegex(@"^BUG: (?<k>[A-Za-z][^:]*?)(?:: | at | - |\s*$|!)")]
    private static partial Regex GenericBugRegex();

    [GeneratedRegex(@"^Internal error: ")]
    private static partial Regex InternalErrorRegex();

    [GeneratedRegex(@"^Oops: [0-9a-f]{4} \[#\d+\]")]
    private static partial Regex OopsRegex();

    [GeneratedRegex(@"^Kernel panic - not syncing: ?(?<m>.*)")]
    private static partial Regex PanicRegex();

    [GeneratedRegex(@"^\s*(?:Call [Tt]race:|Backtrace:|backtrace(?: \(crc [0-9a-f]+\))?:)")]
    private static partial Regex CallTraceRegex();

    [GeneratedRegex(@"^\s*(?:<\/?(?:IRQ|TASK|NMI|EOI|SOFTIRQ)>|[A-Z0-9]{2,3}:\s|Code: |RIP: |EIP: |---|Exception stack|lr :|sp :|x\d+ :|\s*$)")]
    private static partial Regex TraceContinuationRegex();

    [GeneratedRegex(@"\bat:\s+(?:\[<[0-9a-f]+>\]\s*)*(?<f>[A-Za-z_][\w.]*)\+0x")]
    private static partial Regex AtFrameRegex();

    [GeneratedRegex(@"\b(?<a>Read|Write) (?:of size|at addr)")]
    private static partial Regex AccessRegex();

    [GeneratedRegex(@"\+0x[0-9a-f]+/0x[0-9a-f]+")]
    private static partial Regex OffsetRegex();

    [GeneratedRegex(@"\s*\[[^\]]*(?::\d+|\d)\]")]
    private static partial Regex BracketTagRegex();

    [GeneratedRegex(@"\b(?:0x[0-9a-fA-F]+|[0-9a-f]{8,16})\b")]
    private static partial Regex AddressRegex();

    [GeneratedRegex(@"(?<![A-Za-z_])-?\d+")]
    private static partial Regex NumberRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
