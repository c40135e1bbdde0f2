using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>One kind of kernel report: the line that starts it, its title's kind, and where its guilty frame is (null: the title has no function).</summary>
public sealed record CrashRule(Regex Header, Func<Match, IReadOnlyList<string>, string?> Kind, FrameRecipe? Recipe, string[] Skip, FramePick Pick = FramePick.First)
{
    /// <summary>The title from the kind and the guilty function; "KIND in FUNCTION" unless the rule says otherwise.</summary>
    public Func<string, string, string> Format { get; init; } = static (kind, function) => $"{kind} in {function}";

    /// <summary>False for lines printed inside another report (a panic, an invalid opcode, a double fault) that do not end it.</summary>
    public bool StartsReport { get; init; } = true;
}

/// <summary>
/// The table of kernel reports, learnt from the kernel's reporting code (lib/bug.c,
/// kernel/panic.c, mm/kasan, mm/kmsan, mm/kfence, kernel/locking/lockdep.c,
/// kernel/rcu/tree_stall.h, kernel/watchdog.c, kernel/hung_task.c, arch/x86/mm/fault.c,
/// arch/x86/kernel/traps.c) and from how syzbot titles them. A line starts the first report
/// whose header matches; the order only matters for headers that overlap.
/// </summary>
public static partial class CrashRules
{
    private static readonly string[] _none = [];
    private static readonly Regex? _trace = FrameRecipe.Trace;

    private static CrashRule Fixed(Regex header, string title) => new(header, (_, _) => title, null, _none);

    private static CrashRule Named(Regex header, string kind, FrameRecipe recipe, params string[] skip) => new(header, (_, _) => kind, recipe, skip);

    private static readonly CrashRule[] _rules =
    [
        // Sanitizers.
        Named(KasanInvalidFreeRegex(), "KASAN: invalid-free", FrameRecipe.Of(KasanInvalidFreeRegex(), FrameRecipe.CallTraceRegex(), _trace), "slab_", "kfree", "vunmap", "vfree"),
        new(KasanRegex(), (m, r) => Access(r) is { } a ? $"KASAN: {m.Groups["k"].Value} {a}" : $"KASAN: {m.Groups["k"].Value}",
            FrameRecipe.Of(KasanRegex(), FrameRecipe.CallTraceRegex(), _trace), ["kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"]),
        new(KasanOldRegex(), (m, r) => Access(r) is { } a ? $"KASAN: {m.Groups["k"].Value} {a}" : $"KASAN: {m.Groups["k"].Value}", null, _none),
        Named(KmsanUsbRegex(), "KMSAN: kernel-usb-infoleak", FrameRecipe.Of(_trace, KmsanOriginRegex(), _trace),
            "alloc_skb", "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg", "usb_interrupt_msg", "usb_control_msg"),
        new(KmsanRegex(), (m, _) => $"KMSAN: {m.Groups["k"].Value}", FrameRecipe.Of(_trace, KmsanOriginRegex(), _trace),
            ["alloc_skb", "netlink_ack", "netlink_rcv_skb", "_encrypt$", "^(?:crypto|cipher|drbg|rng)_"]),
        new(KcsanRegex(), (m, _) => $"KCSAN: {Normalize(m.Groups["k"].Value)}", null, _none),
        new(KfenceRegex(), (m, _) => $"KFENCE: {m.Groups["k"].Value}", FrameRecipe.Of(KfenceRegex(), _trace), _none),
        new(UbsanOldRegex(), (_, _) => "UBSAN: undefined-behaviour", FrameRecipe.CallTrace, ["ubsan", "overflow"]),
        new(UbsanRegex(), (m, _) => $"UBSAN: {m.Groups["k"].Value}", FrameRecipe.CallTrace, ["ubsan", "overflow"]),

        // Faults.
        Named(PagingRegex(), "BUG: unable to handle kernel paging request", FrameRecipe.Ip),
        Named(NullDerefRegex(), "BUG: unable to handle kernel NULL pointer dereference", FrameRecipe.Ip),
        new(ArmUnableRegex(), (m, _) => $"BUG: unable to handle kernel {m.Groups["k"].Value}", FrameRecipe.Ip, _none),
        Fixed(UnableRegex(), "BUG: unable to handle kernel"),
        Named(GpfRegex(), "general protection fault", FrameRecipe.Ip),
        Named(StackSegmentRegex(), "stack segment fault", FrameRecipe.Ip),
        Named(DivideErrorRegex(), "divide error", FrameRecipe.IpOnly),
        Named(InvalidOpcodeRegex(), "invalid opcode", FrameRecipe.IpOnly) with { StartsReport = false },
        Named(Int3Regex(), "int3", FrameRecipe.Ip),
        Named(DoubleFaultRegex(), "PANIC: double fault", FrameRecipe.IpOnly) with { StartsReport = false },
        Named(InternalErrorRegex(), "Internal error", FrameRecipe.Ip) with { StartsReport = false },
        Named(UnhandledFaultRegex(), "Unhandled fault", FrameRecipe.Ip),
        Named(AlignmentTrapRegex(), "Alignment trap", FrameRecipe.Ip),

        // BUG() and friends.
        Named(UsercopyBugRegex(), "BUG: bad usercopy", FrameRecipe.CallTrace, "usercopy", "__check"),
        Named(ListBugRegex(), "BUG: corrupted list", FrameRecipe.CallTrace),
        Named(KernelBugRegex(), "kernel BUG", FrameRecipe.Ip, "^skb_"),
        new(KernelBugCapitalRegex(), (m, _) => $"kernel BUG {Normalize(m.Groups["k"].Value)}", null, _none),
        Fixed(ObjectAlreadyFreeRegex(), "BUG: Object already free"),

        // Lockups, stalls, hangs.
        Named(SoftLockupRegex(), "watchdog: BUG: soft lockup", FrameRecipe.Ip) with { Pick = FramePick.Stall },
        Named(HardLockupRegex(), "watchdog: Watchdog detected hard LOCKUP", FrameRecipe.Ip) with { Pick = FramePick.Stall },
        Named(RcuStallRegex(), "INFO: rcu detected stall", FrameRecipe.Stall, "apic_timer_interrupt", "rcu") with { Pick = FramePick.Stall },
        Named(HungTaskRegex(), "INFO: task hung", FrameRecipe.CallTrace) with { Pick = FramePick.Hung },
        Named(CantDieRegex(), "INFO: task can't die", FrameRecipe.CallTrace, "schedule"),
        Named(StackGuardRegex(), "BUG: stack guard page was hit", FrameRecipe.Ip) with { Pick = FramePick.Stall },
        Fixed(WorkqueueLockupRegex(), "BUG: workqueue lockup"),
        Fixed(UnregisterNetdeviceRegex(), "unregister_netdevice: waiting for DEV to become free") with { StartsReport = false },

        // Locking.
        new(SpinlockRegex(), (m, _) => $"BUG: {m.Groups["k"].Value} {m.Groups["w"].Value}", FrameRecipe.CallTrace, ["spin_", "_lock", "_unlock"]),
        Named(CircularLockingRegex(), "possible deadlock", FrameRecipe.Of(LockAtRegex(), LockAtRegex(), _trace), "process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"),
        Named(IrqInversionRegex(), "possible deadlock", FrameRecipe.Capture(new Regex("just changed the state of lock"), LockAtRegex())),
        Named(LockOrderRegex(), "possible deadlock", FrameRecipe.Of(BecameAtRegex(), _trace)),
        Named(RecursiveLockingRegex(), "possible deadlock", FrameRecipe.Capture(new Regex("is trying to acquire lock"), LockAtRegex())),
        Named(InconsistentLockRegex(), "inconsistent lock state", FrameRecipe.CallTrace),
        Named(OldInconsistentLockRegex(), "inconsistent lock state", FrameRecipe.Capture(new Regex("takes"), LockAtRegex())),
        new(BadUnlockRegex(), (m, _) => $"{m.Groups["w"].Value}: bad unlock balance", FrameRecipe.Of(PcFuncRegex(), FrameRecipe.CallTraceRegex(), _trace), _none),
        new(HeldLockFreedBugRegex(), (_, _) => "BUG: held lock freed", FrameRecipe.Capture(PcFuncRegex()), _none),
        new(HeldLockFreedWarningRegex(), (_, _) => "WARNING: held lock freed", FrameRecipe.Capture(AtFuncRegex()), _none),
        new(LocksHeldBugRegex(), (_, _) => "BUG: still has locks held", FrameRecipe.Capture(PcFuncRegex()), _none),
        new(LocksHeldWarningRegex(), (_, _) => "WARNING: still has locks held", FrameRecipe.Capture(AtFuncRegex()), _none),
        new(LockHeldReturningRegex(), (m, _) => $"{m.Groups["w"].Value}: lock held when returning to user space", FrameRecipe.Capture(new Regex("leaving the kernel with locks still held"), AtFuncRegex()), _none),
        Named(InvalidWaitContextRegex(), "WARNING: locking bug", FrameRecipe.CallTrace, "lock_sock", "release_sock"),
        Named(NonStaticKeyRegex(), "INFO: trying to register non-static key", FrameRecipe.CallTrace, "stack", "lock", "IRQ"),
        new(SuspiciousRcuRegex(), (m, _) => $"{m.Groups["w"].Value}: suspicious RCU usage", FrameRecipe.CallTrace, ["rcu", "kmem", "slab"]),

        // Scheduling and context.
        Named(SchedAtomicRegex(), "BUG: scheduling while atomic", FrameRecipe.CallTrace, "schedule"),
        Named(SleepingRegex(), "BUG: sleeping function called from invalid context", FrameRecipe.CallTrace),
        new(PreemptibleRegex(), (m, _) => $"BUG: using {m.Groups["f"].Value}() in preemptible code", FrameRecipe.CallTrace, ["dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu"]),
        Named(WorkqueueLeakRegex(), "BUG: workqueue leaked lock or atomic", FrameRecipe.Capture(LastFunctionRegex())),

        // Memory.
        Named(MemoryLeakRegex(), "memory leak", FrameRecipe.Of(LeakBacktraceRegex(), _trace),
            "kmemleak", "mmap", "kmem", "slab", "alloc", "create_object", "idr_get", "list_lru_init", "kasprintf", "kvasprintf", "pcpu_create", "strdup", "strndup", "memdup"),
        Named(UnreferencedObjectRegex(), "memory leak", FrameRecipe.Of(LeakBacktraceRegex(), _trace),
            "kmemleak", "mmap", "kmem", "slab", "alloc", "create_object", "idr_get", "list_lru_init", "kasprintf", "kvasprintf", "pcpu_create", "strdup", "strndup", "memdup")
            with { StartsReport = false },
        new(BadPageRegex(), (m, _) => $"BUG: Bad page {m.Groups["k"].Value}", FrameRecipe.Of(PageLastAllocatedRegex(), _trace),
            ["(?:free|put|get|update|release)_page", "free_unref", "^_*folio", "truncate_inode_pages", "page_frag_free", "alloc", "vmap", "page_owner"]),
        Fixed(BadPageMapRegex(), "BUG: Bad page map"),
        Fixed(BadRssRegex(), "BUG: Bad rss-counter state"),
        new(NonZeroRegex(), (m, _) => $"BUG: non-zero {m.Groups["k"].Value} on freeing mm", null, _none),
        Fixed(DentryRegex(), "BUG: Dentry still in use in unmount"),
        Fixed(VfsCloseRegex(), "VFS: Close: file count is zero (use-after-free)"),
        Fixed(VfsBusyRegex(), "VFS: Busy inodes after unmount (use-after-free)"),

        // WARN().
        Named(OdebugWarningRegex(), "WARNING: ODEBUG bug", FrameRecipe.Warning, "debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_", "vunmap", "vfree", "__free_", "debug_check", "kobject_"),
        Named(UsercopyWarningRegex(), "WARNING: bad usercopy", FrameRecipe.Warning, "usercopy", "__check"),
        Named(KobjectWarningRegex(), "WARNING: kobject bug", FrameRecipe.Warning, "kobject_"),
        Named(ProcWarningRegex(), "WARNING: proc registration bug", FrameRecipe.Warning, "proc_"),
        Named(RefcountWarningRegex(), "WARNING: refcount bug", FrameRecipe.Warning, "refcount", "kobject_"),
        Named(LockdepWarningRegex(), "WARNING: locking bug", FrameRecipe.Warning, "lock_sock", "release_sock"),
        Named(NestedLockRegex(), "WARNING: nested lock was not taken", FrameRecipe.Warning),
        Named(KmallocWarningRegex(), "WARNING: kmalloc bug", FrameRecipe.Warning, "kmalloc", "krealloc", "slab", "kmem"),
        Named(VmallocWarningRegex(), "WARNING: zero-size vmalloc", FrameRecipe.Warning),
        Named(UsbSubmitWarningRegex(), "WARNING", FrameRecipe.Warning, "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg", "usb_interrupt_msg", "usb_control_msg")
            with { Format = static (_, f) => $"WARNING in {f}/usb_submit_urb" },
        Named(WarningRegex(), "WARNING", FrameRecipe.Warning),
        new(StackRegsRegex(), (m, _) => $"WARNING: kernel stack regs has bad '{m.Groups["r"].Value}' value", null, _none),
        Fixed(StackFrameRegex(), "WARNING: kernel stack frame pointer has bad value"),
        Fixed(StackBadRegex(), "WARNING: kernel stack regs has bad value"),

        // Panics.
        new(StackProtectorRegex(), (_, _) => "Kernel panic - not syncing: stack is corrupted", FrameRecipe.Of([StackProtectorRegex()], [FrameRecipe.CallTraceRegex(), _trace]), ["stack_chk"]),
        Named(StackEndRegex(), "Kernel panic - not syncing: corrupted stack end", FrameRecipe.CallTrace, "schedule", "retint_kernel") with { Pick = FramePick.Stall },
        Named(StackOverflowRegex(), "kernel stack overflow", FrameRecipe.CallTrace, "bad_stack") with { Pick = FramePick.Stall },
        Fixed(KillInitRegex(), "Kernel panic - not syncing: Attempted to kill init!"),
        Fixed(NttyRegex(), "Kernel panic - not syncing: Couldn't open N_TTY ldisc"),
        new(PanicRegex(), (m, _) => $"Kernel panic - not syncing: {Normalize(m.Groups["m"].Value)}", null, _none) { StartsReport = false },

        // Anything else the kernel calls a BUG or a WARNING: the line itself.
        new(GenericBugRegex(), (m, _) => Normalize(m.Value), null, _none),
        new(GenericWarningRegex(), (m, _) => Normalize(m.Value), null, _none),
        Named(OopsRegex(), "Oops", FrameRecipe.Ip) with { StartsReport = false },
    ];

    /// <summary>The first report header in the line (it may follow other text: "[ BUG: ...", "usb 1-1: WARNING: ..."), its rule and where it starts; or null.</summary>
    public static (CrashRule Rule, Match Match)? Match(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length < 4 || LineIgnoredRegex().IsMatch(line))
        {
            return null;
        }

        for (var k = KeywordRegex().Match(line); k.Success; k = k.NextMatch())
        {
            if (IgnoredRegex().IsMatch(line, k.Index))
            {
                continue;
            }

            foreach (var rule in _rules)
            {
                var m = rule.Header.Match(line, k.Index);
                if (m.Success)
                {
                    return (rule, m);
                }
            }
        }

        return null;
    }

    /// <summary>True when the line starts a report of its own (it ends the report before it).</summary>
    public static bool StartsReport(string line) => Match(line) is { } hit && hit.Rule.StartsReport;

    /// <summary>Removes what differs between two occurrences of one bug: offsets, addresses, line numbers and numbers (digits inside identifiers stay).</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = OffsetRegex().Replace(text, "${f}");
        s = AddressRegex().Replace(s, "${p}ADDR");
        s = SourceLineRegex().Replace(s, "${e}:LINE");
        for (var round = 0; round < 4; round++)
        {
            var next = NumberRegex().Replace(s, "${a}NUM${b}");
            if (next == s)
            {
                break;
            }

            s = next;
        }

        s = LongNumberRegex().Replace(s, "NUM");
        return WhitespaceRegex().Replace(s, " ").Trim();
    }

    private static string? Access(IReadOnlyList<string> report)
    {
        foreach (var line in report)
        {
            var m = AccessRegex().Match(line);
            if (m.Success)
            {
                return m.Groups["a"].Value;
            }
        }

        return null;
    }

    // Where a header can start: a keyword at a word start (not "ODEBUG:", not "DEBUG:").
    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:BUG|WARNING|INFO)|(?:KASAN|general protection fault|stack segment|Kernel panic|kernel BUG|Kernel BUG|Unable to handle kernel|PANIC: double fault|divide.error|invalid opcode|int3:|UBSAN:|Internal error:|Unhandled fault:|Alignment trap:|unregister_netdevice: waiting|VFS: |unreferenced object|Oops: |usercopy: |NMI watchdog|watchdog: |rcu: INFO)")]
    private static partial Regex KeywordRegex();

    // Lines whose WARNING or BUG is a filesystem's or the firmware's complaint, not a kernel report.
    [GeneratedRegex(@"EXT4-[Ff][Ss](?: \(.*\))?:|XFS \(\w+\): WARNING|ACPI BUG:|\[Firmware Bug\]")]
    private static partial Regex LineIgnoredRegex();

    // Lines that look like reports but are not (printed by userspace or harmless at boot).
    [GeneratedRegex(@"\G(?:WARNING: (?:/etc/ssh/moduli does not exist|workqueue cpumask: online intersect|[Tt]he mand mount option|Unsupported flag value|Unprivileged eBPF is enabled|fbcon: Driver|See https.* for mitigation|kernel not compiled with CPU_SRSO)|INFO: (?:lockdep is turned off|Stall ended before state dump start|NMI handler)|BUG: no syscalls can create resource)|(?i:warning: .* uses (?:deprecated v2 capabilities|wireless extensions))")]
    private static partial Regex IgnoredRegex();

    [GeneratedRegex(@"\GBUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in (?<f>\w+)[.+]")]
    private static partial Regex KasanInvalidFreeRegex();

    [GeneratedRegex(@"\GBUG: KASAN: (?<k>[a-z-]+) in (?<f>\w+)[.+]")]
    private static partial Regex KasanRegex();

    [GeneratedRegex(@"\GBUG: KASAN: (?<k>[a-z-]+) on address")]
    private static partial Regex KasanOldRegex();

    [GeneratedRegex(@"\b(?<a>Read|Write) (?:of size|at addr)")]
    private static partial Regex AccessRegex();

    [GeneratedRegex(@"\GBUG: KMSAN: kernel-usb-infoleak")]
    private static partial Regex KmsanUsbRegex();

    [GeneratedRegex(@"\GBUG: KMSAN: (?<k>[a-z-]+)")]
    private static partial Regex KmsanRegex();

    [GeneratedRegex(@"Local variable .* created at:|Uninit was created at:")]
    private static partial Regex KmsanOriginRegex();

    [GeneratedRegex(@"\GBUG: KCSAN: (?<k>.+)")]
    private static partial Regex KcsanRegex();

    [GeneratedRegex(@"\GBUG: KFENCE: (?<k>(?:use-after-free|out-of-bounds) (?:read|write)|invalid free|invalid (?:read|write)|memory corruption) in (?<f>\w+)[.+]")]
    private static partial Regex KfenceRegex();

    [GeneratedRegex(@"\GUBSAN: Undefined behaviour in")]
    private static partial Regex UbsanOldRegex();

    [GeneratedRegex(@"\GUBSAN: (?<k>.*?) in")]
    private static partial Regex UbsanRegex();

    [GeneratedRegex(@"\GBUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)")]
    private static partial Regex PagingRegex();

    [GeneratedRegex(@"\GBUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)")]
    private static partial Regex NullDerefRegex();

    [GeneratedRegex(@"\GUnable to handle kernel (?<k>paging request|NULL pointer dereference|access to user memory)")]
    private static partial Regex ArmUnableRegex();

    [GeneratedRegex(@"\GBUG: (?:unable|Unable) to handle kernel")]
    private static partial Regex UnableRegex();

    [GeneratedRegex(@"\G(?:Oops: )?general protection fault(?!.* error:\d+ in ).*:")]
    private static partial Regex GpfRegex();

    [GeneratedRegex(@"\G(?:Oops: )?stack segment: ")]
    private static partial Regex StackSegmentRegex();

    [GeneratedRegex(@"\G(?:Oops: )?divide(?: |_)error: ")]
    private static partial Regex DivideErrorRegex();

    [GeneratedRegex(@"\G(?:Oops: )?invalid opcode: ")]
    private static partial Regex InvalidOpcodeRegex();

    [GeneratedRegex(@"\G(?:Oops: )?int3: ")]
    private static partial Regex Int3Regex();

    [GeneratedRegex(@"\GPANIC: double fault")]
    private static partial Regex DoubleFaultRegex();

    [GeneratedRegex(@"\GInternal error:")]
    private static partial Regex InternalErrorRegex();

    [GeneratedRegex(@"\GUnhandled fault:")]
    private static partial Regex UnhandledFaultRegex();

    [GeneratedRegex(@"\GAlignment trap:")]
    private static partial Regex AlignmentTrapRegex();

    [GeneratedRegex(@"\G(?:kernel BUG at mm/usercopy\.c|usercopy: Kernel memory (?:exposure|overwrite) attempt detected)")]
    private static partial Regex UsercopyBugRegex();

    [GeneratedRegex(@"\Gkernel BUG at lib/list_debug\.c")]
    private static partial Regex ListBugRegex();

    [GeneratedRegex(@"\Gkernel BUG at ")]
    private static partial Regex KernelBugRegex();

    [GeneratedRegex(@"\GKernel BUG (?<k>.*)")]
    private static partial Regex KernelBugCapitalRegex();

    [GeneratedRegex(@"\GBUG kmalloc-.*: Object already free")]
    private static partial Regex ObjectAlreadyFreeRegex();

    [GeneratedRegex(@"\G(?:NMI )?(?:watchdog: )?BUG: soft lockup")]
    private static partial Regex SoftLockupRegex();

    [GeneratedRegex(@"\G(?:NMI )?(?:watchdog: )?Watchdog detected hard LOCKUP")]
    private static partial Regex HardLockupRegex();

    [GeneratedRegex(@"\G(?:rcu: )?INFO: rcu_(?:preempt|sched|bh|tasks) (?:self-)?detected(?: expedited)? stall")]
    private static partial Regex RcuStallRegex();

    [GeneratedRegex(@"\GINFO: task .{0,100}? blocked (?:in I/O wait )?for more than [0-9]+ seconds")]
    private static partial Regex HungTaskRegex();

    [GeneratedRegex(@"\GINFO: task .{0,100}? can't die for more than .* seconds")]
    private static partial Regex CantDieRegex();

    [GeneratedRegex(@"\GBUG: .*stack guard page was hit at")]
    private static partial Regex StackGuardRegex();

    [GeneratedRegex(@"\GBUG: workqueue lockup")]
    private static partial Regex WorkqueueLockupRegex();

    [GeneratedRegex(@"\Gunregister_netdevice: waiting for .* to become free")]
    private static partial Regex UnregisterNetdeviceRegex();

    [GeneratedRegex(@"\GBUG: (?<k>spinlock|rwlock) (?<w>lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)")]
    private static partial Regex SpinlockRegex();

    [GeneratedRegex(@"\G(?:WARNING|INFO): possible circular locking dependency detected")]
    private static partial Regex CircularLockingRegex();

    [GeneratedRegex(@"\G(?:WARNING|INFO): possible irq lock inversion dependency detected")]
    private static partial Regex IrqInversionRegex();

    [GeneratedRegex(@"\G(?:WARNING|INFO): .*-safe -> .*-unsafe lock order detected")]
    private static partial Regex LockOrderRegex();

    [GeneratedRegex(@"which became .* at:")]
    private static partial Regex BecameAtRegex();

    [GeneratedRegex(@"\G(?:WARNING|INFO): possible recursive locking detected")]
    private static partial Regex RecursiveLockingRegex();

    [GeneratedRegex(@"\GWARNING: inconsistent lock state")]
    private static partial Regex InconsistentLockRegex();

    [GeneratedRegex(@"\GINFO: inconsistent lock state")]
    private static partial Regex OldInconsistentLockRegex();

    [GeneratedRegex(@"at: (?:\[<?(?:0x)?[0-9a-f]+>?\] +)?(?<f>\w+)[.+]")]
    private static partial Regex LockAtRegex();

    [GeneratedRegex(@"at:(?: \[<?(?:0x)?[0-9a-f]+>?\])? +(?<f>\w+)[.+]")]
    private static partial Regex AtFuncRegex();

    [GeneratedRegex(@"\[<?(?:0x)?[0-9a-f]+>?\] +(?<f>\w+)[.+]")]
    private static partial Regex PcFuncRegex();

    [GeneratedRegex(@"\G(?<w>WARNING|BUG): bad unlock balance detected!")]
    private static partial Regex BadUnlockRegex();

    [GeneratedRegex(@"\GBUG: held lock freed!")]
    private static partial Regex HeldLockFreedBugRegex();

    [GeneratedRegex(@"\GWARNING: held lock freed!")]
    private static partial Regex HeldLockFreedWarningRegex();

    [GeneratedRegex(@"\GBUG: .*still has locks held!")]
    private static partial Regex LocksHeldBugRegex();

    [GeneratedRegex(@"\GWARNING: .*still has locks held!")]
    private static partial Regex LocksHeldWarningRegex();

    [GeneratedRegex(@"\G(?<w>BUG|WARNING): lock held when returning to user space")]
    private static partial Regex LockHeldReturningRegex();

    [GeneratedRegex(@"\GBUG: Invalid wait context")]
    private static partial Regex InvalidWaitContextRegex();

    [GeneratedRegex(@"\GINFO: trying to register non-static key")]
    private static partial Regex NonStaticKeyRegex();

    [GeneratedRegex(@"\G(?<w>WARNING|INFO): suspicious RCU usage")]
    private static partial Regex SuspiciousRcuRegex();

    [GeneratedRegex(@"\GBUG: scheduling while atomic")]
    private static partial Regex SchedAtomicRegex();

    [GeneratedRegex(@"\GBUG: sleeping function called from invalid context")]
    private static partial Regex SleepingRegex();

    [GeneratedRegex(@"\GBUG: using (?<f>[a-z_]+)\(\) in preemptible")]
    private static partial Regex PreemptibleRegex();

    [GeneratedRegex(@"\GBUG: workqueue leaked lock or atomic")]
    private static partial Regex WorkqueueLeakRegex();

    [GeneratedRegex(@"last function: (?<f>[a-zA-Z0-9_]+)\s*$")]
    private static partial Regex LastFunctionRegex();

    [GeneratedRegex(@"\GBUG: memory leak")]
    private static partial Regex MemoryLeakRegex();

    [GeneratedRegex(@"\Gunreferenced object 0x")]
    private static partial Regex UnreferencedObjectRegex();

    [GeneratedRegex(@"backtrace(?: \(crc [0-9a-f]*\))?:")]
    private static partial Regex LeakBacktraceRegex();

    [GeneratedRegex(@"\GBUG: Bad page (?<k>state|cache)")]
    private static partial Regex BadPageRegex();

    [GeneratedRegex(@"page last allocated")]
    private static partial Regex PageLastAllocatedRegex();

    [GeneratedRegex(@"\GBUG: Bad page map")]
    private static partial Regex BadPageMapRegex();

    [GeneratedRegex(@"\GBUG: Bad rss-counter state")]
    private static partial Regex BadRssRegex();

    [GeneratedRegex(@"\GBUG: non-zero (?<k>nr_ptes|nr_pmds|pgtables_bytes) on freeing mm")]
    private static partial Regex NonZeroRegex();

    [GeneratedRegex(@"\GBUG: Dentry .* still in use \([0-9]+\) \[unmount of ")]
    private static partial Regex DentryRegex();

    [GeneratedRegex(@"\GVFS: Close: file count is 0")]
    private static partial Regex VfsCloseRegex();

    [GeneratedRegex(@"\GVFS: Busy inodes after unmount")]
    private static partial Regex VfsBusyRegex();

    [GeneratedRegex(@"\GWARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check|at)")]
    private static partial Regex OdebugWarningRegex();

    [GeneratedRegex(@"\GWARNING: .*mm/usercopy\.c.* (?:usercopy_warn|at)")]
    private static partial Regex UsercopyWarningRegex();

    [GeneratedRegex(@"\GWARNING: .*lib/kobject\.c.* (?:kobject_|at)")]
    private static partial Regex KobjectWarningRegex();

    [GeneratedRegex(@"\GWARNING: .*fs/proc/generic\.c.* (?:proc_register|at)")]
    private static partial Regex ProcWarningRegex();

    [GeneratedRegex(@"\GWARNING: .*lib/refcount\.c.* (?:refcount_|at)")]
    private static partial Regex RefcountWarningRegex();

    [GeneratedRegex(@"\GWARNING: .*kernel/locking/lockdep\.c.*lock_")]
    private static partial Regex LockdepWarningRegex();

    [GeneratedRegex(@"\GWARNING: Nested lock was not taken")]
    private static partial Regex NestedLockRegex();

    [GeneratedRegex(@"\GWARNING: .*mm/.*\.c.* k?.?malloc")]
    private static partial Regex KmallocWarningRegex();

    [GeneratedRegex(@"\GWARNING: .*mm/vmalloc.c.*__vmalloc_node")]
    private static partial Regex VmallocWarningRegex();

    [GeneratedRegex(@"\GWARNING: .* usb_submit_urb")]
    private static partial Regex UsbSubmitWarningRegex();

    [GeneratedRegex(@"\GWARNING: (?:[\w./-]+\.[a-z]+:[0-9]+ at 0x\d+, CPU#\d+|.* at [\w./-]+\.[a-z]+:[0-9]+ \w+[.+]|[\w./-]+\.[a-z]+:[0-9]+ at \w+[.+]|\[.*\] [\w./-]+\.[a-z]+:[0-9]+ at \w+[.+])")]
    private static partial Regex WarningRegex();

    [GeneratedRegex(@"\GWARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '(?<r>[^']+)' value")]
    private static partial Regex StackRegsRegex();

    [GeneratedRegex(@"\GWARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value")]
    private static partial Regex StackFrameRegex();

    [GeneratedRegex(@"\GWARNING: kernel stack (?:regs .* has bad 'bp' value|frame pointer .* has bad value)")]
    private static partial Regex StackBadRegex();

    [GeneratedRegex(@"\GKernel panic - not syncing: stack-protector: Kernel stack is corrupted in: (?:(?<f>[A-Za-z_]\w*)[.+]|[0-9a-f]+)")]
    private static partial Regex StackProtectorRegex();

    [GeneratedRegex(@"\GKernel panic - not syncing: corrupted stack end detected inside scheduler")]
    private static partial Regex StackEndRegex();

    [GeneratedRegex(@"\GKernel panic - not syncing: kernel stack overflow")]
    private static partial Regex StackOverflowRegex();

    [GeneratedRegex(@"\GKernel panic - not syncing: Attempted to kill init!")]
    private static partial Regex KillInitRegex();

    [GeneratedRegex(@"\GKernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+")]
    private static partial Regex NttyRegex();

    [GeneratedRegex(@"\GKernel panic - not syncing: ?(?<m>.*)")]
    private static partial Regex PanicRegex();

    [GeneratedRegex(@"\GBUG: \S.*")]
    private static partial Regex GenericBugRegex();

    [GeneratedRegex(@"\GWARNING: \S.*")]
    private static partial Regex GenericWarningRegex();

    [GeneratedRegex(@"\GOops: [0-9a-f]{4} \[#\d+\]")]
    private static partial Regex OopsRegex();

    [GeneratedRegex(@"(?<f>[a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+")]
    private static partial Regex OffsetRegex();

    [GeneratedRegex(@"(?<p>[^a-zA-Z0-9]|^)(?:0x)?[0-9a-f]{6,}")]
    private static partial Regex AddressRegex();

    [GeneratedRegex(@"(?<e>\.\w+)(?::[0-9]+)+")]
    private static partial Regex SourceLineRegex();

    [GeneratedRegex(@"(?<a>\W|^)\d+(?<b>\W|$)")]
    private static partial Regex NumberRegex();

    [GeneratedRegex(@"\d{7,}")]
    private static partial Regex LongNumberRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
