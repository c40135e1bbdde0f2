using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>One frame of a kernel stack trace: the function (suffixes like .isra.0/.cold dropped), its module, and whether the unwinder was unsure ("? ").</summary>
public readonly record struct StackFrame(string Function, string? Module, bool Unreliable);

/// <summary>
/// Reads frames from report lines ("RIP: 0010:f+0x1/0x2", " f+0x1/0x2 [mod]", " [&lt;ffff...&gt;] f+0x1/0x2",
/// "pc : f+0x1/0x2", symbolized " f mm/x.c:12 [inline]") and knows which functions are the
/// kernel's reporting machinery rather than where a bug is: names learnt from the reporting
/// code itself (lib/bug.c, kernel/panic.c, mm/kasan/report.c, arch/x86/mm/fault.c,
/// arch/x86/kernel/traps.c, kernel/watchdog.c, kernel/rcu/tree_stall.h, lib/dump_stack.c) and
/// from the string/copy helpers a sanitizer trips in on behalf of their caller.
/// </summary>
public static partial class StackFrames
{
    private static readonly HashSet<string> _reportingExact = new(StringComparer.Ordinal)
    {
        "panic", "vpanic", "die", "__die", "__die_body", "oops_end", "oops_begin", "no_context", "bad_area_nosemaphore",
        "__bad_area_nosemaphore", "do_user_addr_fault", "do_kern_addr_fault", "page_fault_oops", "kernelmode_fixup_or_oops",
        "do_page_fault", "page_fault", "handle_page_fault", "exc_page_fault", "asm_exc_page_fault", "spurious_kernel_fault",
        "do_general_protection", "general_protection", "exc_general_protection", "asm_exc_general_protection",
        "do_error_trap", "do_trap", "do_invalid_op", "invalid_op", "exc_invalid_op", "asm_exc_invalid_op", "handle_bug",
        "report_bug", "fixup_bug", "do_int3", "exc_int3", "do_divide_error", "exc_divide_error", "asm_exc_divide_error",
        "__warn", "warn_slowpath_common", "warn_slowpath_fmt", "warn_slowpath_null", "__warn_printk", "check_panic_on_warn",
        "dump_stack", "dump_stack_lvl", "__dump_stack", "show_stack", "show_trace_log_lvl", "show_regs", "__show_regs", "dump_backtrace",
        "print_report", "print_address_description", "kasan_report", "kasan_report_invalid_free", "check_memory_region",
        "kasan_check_range", "kasan_check_read", "kasan_check_write", "end_report", "start_report",
        "watchdog_timer_fn", "watchdog_overflow_callback", "__hrtimer_run_queues", "hrtimer_interrupt", "__sysvec_apic_timer_interrupt",
        "sysvec_apic_timer_interrupt", "asm_sysvec_apic_timer_interrupt", "apic_timer_interrupt", "smp_apic_timer_interrupt",
        "local_apic_timer_interrupt", "update_process_times", "tick_sched_handle", "tick_sched_timer", "tick_nohz_handler",
        "nmi_cpu_backtrace", "nmi_trigger_cpumask_backtrace", "arch_trigger_cpumask_backtrace", "trigger_single_cpu_backtrace",
        "print_cpu_stall", "print_other_cpu_stall", "check_cpu_stall", "lapic_can_unplug_cpu",
        "memcpy", "__memcpy", "memcpy_orig", "memmove", "__memmove", "memset", "__memset", "memset_orig", "memcmp", "bcmp",
        "memchr", "memscan", "strlen", "strnlen", "strcmp", "strncmp", "strcpy", "strncpy", "strscpy", "strlcpy", "strcat", "strchr",
        "strrchr", "strstr", "sized_strscpy", "copy_user_generic_unrolled", "copy_user_generic_string", "copy_user_enhanced_fast_string",
        "rep_movs_alternative", "_copy_to_user", "_copy_from_user", "copy_to_user", "copy_from_user", "__copy_user_nocache",
        "__might_sleep", "___might_sleep", "__might_resched", "__might_fault", "might_fault", "__cant_sleep",
        "usercopy_abort", "__check_object_size", "check_heap_object", "__check_heap_object",
        "debug_print_object", "refcount_warn_saturate", "__list_add_valid_or_report", "__list_del_entry_valid_or_report",
        "debug_smp_processor_id", "check_preemption_disabled", "__ubsan_handle_out_of_bounds", "ubsan_epilogue",
    };

    private static readonly string[] _reportingPrefixes =
    [
        "kasan_", "__kasan_", "__asan_", "asan_", "kmsan_", "__msan_", "kcsan_", "kfence_", "__kfence_", "__ubsan_", "ubsan_",
        "lockdep_", "__lockdep_", "print_", "printk", "vprintk", "_printk", "dump_stack", "show_stack", "__sanitizer",
        "__fortify_", "fortify_panic",
    ];

    /// <summary>
    /// Generic helpers a bug passes through but is never in: locking, list and string primitives,
    /// allocators, user copies, atomics and refcounts, retpoline thunks, tracing. A crash inside
    /// one of them is named after its caller, as syzbot does, so that one bug in one caller is one group.
    /// </summary>
    [GeneratedRegex(@"^(?:_*raw_|do_raw_|queued_|native_queued_|_*lock_acquire|lock_release|lock_is_held|mark_lock|mark_held_locks|lock_timer_base|_*mutex_|_*rt_mutex_|down_(?:read|write|trylock|interruptible|killable)|^down$|up_(?:read|write)|_*rwsem_|_*spin_|_*read_lock|_*write_lock|_*read_unlock|_*write_unlock|osq_lock|_*list_(?:add|del)|list_(?:add|del|replace|move|splice)|_*hlist_|__x86_indirect_thunk|__x86_return_thunk|_*kmalloc|_*kvmalloc|kzalloc|kcalloc|krealloc|kmem_cache_|slab_|__slab_|___slab_|alloc_pages|__alloc_pages|kfree$|kvfree$|kfree_skb|kfree_sensitive|__might_|might_sleep|might_fault|atomic(?:64)?_|arch_atomic|refcount_|__refcount_|kref_|(?:set|clear|change|test)_bit|__wake_up|complete$|wait_for_completion|_*copy_(?:to|from)_(?:user|iter)|copy_page_(?:to|from)_iter|put_user|get_user|__get_user|__put_user|strncpy_from_user|strnlen_user|perf_trace_|trace_|debug_object|debug_check|timer_is_static_object|work_is_static_object|kobject_|__phys_addr|check_object|check_heap_object|snprintf|vsnprintf|sprintf|scnprintf|kasprintf|string|pointer|flush_work|__flush_work|flush_workqueue|queue_work|__queue_work|cancel_work|__cancel_work|del_timer|__del_timer|timer_delete|try_to_grab_pending|finish_wait|prepare_to_wait|dput$|fast_dput|iput$|iput_final|mark_buffer_dirty|xas_(?:start|load|find))")]
    private static partial Regex HelperRegex();

    /// <summary>True for a locking, list, string, allocation or copy helper (see <see cref="HelperRegex"/>).</summary>
    public static bool IsHelper(string function) => HelperRegex().IsMatch(function ?? string.Empty);

    /// <summary>
    /// Where a stall's looping code was entered from: a syscall, a workqueue, a softirq, a timer,
    /// a kthread. A stall is named after the frame just above the first of these, which stays the
    /// same while the looping code's innermost frame varies from sample to sample.
    /// </summary>
    [GeneratedRegex(@"^(?:process_one_work|do_syscall_|do_fast_syscall_|x64_sys_call|sysenter_dispatch|el0_svc|invoke_syscall|netif_receive_skb|__netif_receive_skb|do_softirq|__do_softirq|handle_softirqs|call_timer_fn|_*run_timers|run_timer_softirq|hrtimer_run|run_ksoftirqd|smpboot_thread_fn|kthread$|start_secondary|cpu_startup_entry|ret_from_fork|vfs_write|vfs_read|vfs_iter_read|vfs_iter_write|do_iter_read|do_iter_write|call_read_iter|call_write_iter|new_sync_read|new_sync_write|vfs_ioctl|ksys_ioctl|compat_ioctl|blkdev_ioctl|do_iter_readv_writev|call_mmap|mmap_region|do_mmap|do_dentry_open|vfs_open|sock_sendmsg|sock_recvmsg|__sock_release|sock_release|sock_do_ioctl|sock_ioctl|nfnetlink_rcv_msg|rtnetlink_rcv_msg|netlink_dump|__do_fault|do_page_fault|exc_page_fault|__fput|task_work_run|exit_to_user|smp_call_function|tasklet_action|tasklet_hi_action)")]
    private static partial Regex StallAnchorRegex();

    public static bool IsStallAnchor(string function) => StallAnchorRegex().IsMatch(function ?? string.Empty);

    /// <summary>True for a function that reports, traps or copies on behalf of the code with the bug.</summary>
    public static bool IsReporting(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (_reportingExact.Contains(function))
        {
            return true;
        }

        foreach (var p in _reportingPrefixes)
        {
            if (function.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The frame on a trace line, or null when the line is not one.</summary>
    public static StackFrame? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var m = FrameRegex().Match(line);
        if (!m.Success)
        {
            m = SymbolizedFrameRegex().Match(line);
            if (!m.Success)
            {
                return null;
            }
        }

        return new StackFrame(Clean(m.Groups["f"].Value), m.Groups["mod"].Success ? m.Groups["mod"].Value : null, m.Groups["q"].Success);
    }

    /// <summary>The function of an instruction-pointer line (x86 "RIP: 0010:f+...", older "IP: [&lt;..&gt;] f+...", arm64 "pc : f+..."), or null (user mode, unknown).</summary>
    public static string? InstructionPointer(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var m = IpRegex().Match(line);
        return m.Success ? Clean(m.Groups["f"].Value) : null;
    }

    /// <summary>"tcp_v4_rcv.cold.12" → "tcp_v4_rcv": compiler clones are the same function.</summary>
    public static string Clean(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var dot = function.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? function[..dot] : function;
    }

    [GeneratedRegex(@"^\s*(?:\[<?[0-9a-fx]+>?\]\s*)*(?<q>\?\s+)?(?:\[<?[0-9a-fx]+>?\]\s*)*(?:\(?)(?<f>[A-Za-z_][\w.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+\)?(?:\s+\[(?<mod>[\w-]+)(?:\s+\w+)?\])?")]
    private static partial Regex FrameRegex();

    [GeneratedRegex(@"^\s+(?<q>\?\s+)?(?<f>[A-Za-z_][\w.$]*)\s+(?:[\w./-]+\.[chS]:\d+(?::\d+)?|\[inline\])")]
    private static partial Regex SymbolizedFrameRegex();

    [GeneratedRegex(@"^\s*(?:RIP|EIP|IP|NIP|pc|PC is at)\s*:?\s*(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)*(?<f>[A-Za-z_][\w.$]*)\+0x[0-9a-f]+")]
    private static partial Regex IpRegex();
}
