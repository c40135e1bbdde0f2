using System.Text.RegularExpressions;

namespace Kdumpd.Core.Triage;

/// <summary>One frame of a kernel stack trace: the function (suffixes like .isra.0/.cold dropped), its module, and whether the unwinder was unsure ("? ", powerpc's "(unreliable)").</summary>
public readonly record struct StackFrame(string Function, string? Module, bool Unreliable);

/// <summary>
/// Reads frames from report lines ("RIP: 0010:f+0x1/0x2", " f+0x1/0x2 [mod]", " [&lt;ffff...&gt;] f+0x1/0x2",
/// "pc : f+0x1/0x2") and knows which functions are never where a bug is (<see cref="NotGuilty"/>).
/// </summary>
public static partial class StackFrames
{
    /// <summary>
    /// Functions a crash passes through but whose caller has the bug, matched anywhere in the
    /// name. One table, by group: the kernel's reporting and trap code (lib/bug.c,
    /// kernel/panic.c, mm/kasan/report.c, arch/x86/mm/fault.c, arch/x86/kernel/traps.c,
    /// lib/dump_stack.c); sanitizer runtimes; allocators; locking, atomics and refcounts;
    /// string, copy and print helpers; lists and rbtrees; timers and workqueues; the device
    /// model and USB/net teardown helpers that WARN on their caller's behalf; MMIO accessors,
    /// checksums, unwinders; arm64 fault entry. A crash inside one of them is named after its
    /// caller, so that one bug in one caller is one group.
    /// </summary>
    private static readonly string[] _notGuilty =
    [
        // Reporting, traps, panics.
        "panic", "report_bug", "fixup_bug", "invalid_op", "do_error", "_trap$|do_trap", "print_report", "print_usage_bug",
        "print_address_description", "show_stack", "dump_stack", "walk_stack", "dump_backtrace", "warn_slowpath", "warn_alloc",
        "warn_bogus", "__warn", "print_tainted", "^get_taint$", "program_check_exception", "program_check_common", "__fortify_report",
        "assertfail",

        // Sanitizers.
        "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan", "kcsan_setup_watchpoint", "check_memory_region",
        "check_heap_object", "check_object", "read_word_at_a_time", "(?:read|write)_once_.*nocheck",

        // Allocation and freeing.
        "alloc_page", "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab", "__alloc_frozen_pages", "folio_(?:alloc|unlock)",
        "filemap_alloc_folio", "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio", "read_cache_page", "pagecache_get_page",
        "grab_cache_page_write_begin", "slab_", "^kv?free$", "kfree_skb", "memdup", "strdup", "strndup", "find_lock_entries",
        "truncate_inode_pages_range", "__phys_addr",

        // Debug objects, lockdep, locking, atomics, refcounts.
        "debug_object", "timer_is_static_object", "work_is_static_object", "print_unlock", "imbalance_bug", "lockdep", "bh_enable",
        "bh_disable", "perf_trace", "lock_acquire", "lock_release", "lock_class", "mark_lock", "(?:reacquire|mark)_held_locks",
        "raw_spin_rq", "spin_lock", "spin_trylock", "spin_unlock", "read_lock", "read_trylock", "write_lock", "write_trylock",
        "read_unlock", "write_unlock", "^down$", "down_read", "down_write", "down_trylock", "up_read", "up_write", "^mutex_",
        "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
        "atomic(?:64)?_(?:dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)", "(?:set|clear|change|test)_bit", "__wake_up",
        "^refcount_", "^kref_", "ref_tracker", "seqprop_assert", "^complete$", "wait_for_completion", "(?:trace|lockdep)_(?:hard|soft)irq",
        "^(?:un)?lock_page", "__might_fault", "might_fault", "might_sleep", "__might_resched",

        // Strings, memory, copies, printing.
        "memcpy", "memcmp", "memset", "memchr", "memmove", "strcmp", "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen",
        "strstr", "strnstr", "strnlen", "strchr", "copy_to_user", "copy_from_user", "copy_to_iter", "copy_from_iter",
        "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter", "^copyin$", "^copyout$", "put_user", "get_user",
        "extract_(?:user|iter)_to_sg", "string", "pointer", "snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk", "va_format",
        "dev_info", "dev_notice", "dev_warn", "dev_err", "dev_alert", "dev_crit", "dev_emerg", "hex_dump_to_buffer", "print_hex_dump",

        // Lists, trees, hashes, arrays.
        "list_add", "list_del", "list_replace", "list_move", "list_splice", "^rb_", "^__rb_", "^klist_", "rhashtable_lookup",
        "xas_(?:start|load|find)", "ida_free",

        // Timers and workqueues.
        "del_timer", "lock_timer_base", "__timer_delete_sync", "sk_stop_timer_sync", "__mod_timer", "flush_work", "__cancel_work_timer",
        "cancel_work_sync", "try_to_grab_pending", "flush_workqueue", "drain_workqueue", "destroy_workqueue", "queue_work", "insert_work",
        "__queue_delayed_work", "queue_delayed_work_on", "finish_wait", "kthread_stop", "cleanup_srcu_struct",

        // Device model, sysfs, USB and netdev teardown.
        "kobject_", "add_uevent_var", "get_device_parent", "device_add", "device_del", "device_unregister", "device_destroy",
        "device_release", "devres_release_all", "hwrng_unregister", "i2c_del_adapter", "__unregister_client", "device_for_each_child",
        "rollback_registered", "unregister_netdev", "sysfs_remove", "device_remove_file", "tty_unregister_device", "^put_device$",
        "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs", "usb_control_msg", "usb_hcd_submit_urb", "usb_submit_urb",

        // VFS reference helpers.
        "^iput$", "^iput_final$", "^ihold$", "fast_dput", "dput", "mark_buffer_dirty", "drop_nlink",

        // MMIO, port I/O, checksums.
        "readb$", "readw$", "readl$", "readq$", "writeb$", "writew$", "writel$", "writeq$", "logic_in", "logic_out", "^crc\\d+", "crc_itu_t",

        // Unwinding, retpolines, arm64 fault entry.
        "stack_trace_consume_entry", "arch_stack_walk", "stack_trace_save", "_indirect_thunk_", "do_(?:kernel|translation)_fault",
        "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
    ];

    /// <summary>Syscall entry prefixes: "__x64_sys_mremap", "__se_sys_mremap" and "SyS_mremap" are one function.</summary>
    private static readonly string[] _syscallPrefixes =
    [
        "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_", "__sys_", "__se_", "__se_sys_", "__do_sys_",
        "compat_SYSC_", "compat_SyS_", "ksys_",
    ];

    /// <summary>
    /// Where a stall's looping code was entered from: a syscall, a workqueue, a softirq, a timer,
    /// a kthread, a file or socket operation. A stall is named after the frame just above the
    /// first of these, which stays the same while the looping code's innermost frame varies.
    /// </summary>
    private static readonly string[] _stallAnchors =
    [
        "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch", "tracesys_phase2", "el0_svc_handler", "invoke_syscall",
        "ret_fast_syscall", "netif_receive_skb", "do_softirq", "call_timer_fn", "_run_timers", "run_timer_softirq", "hrtimer_run",
        "run_ksoftirqd", "smpboot_thread_fn", "^kthread$", "start_secondary", "cpu_startup_entry", "ret_from_fork",
        "vfs_write", "vfs_read", "vfs_iter_read", "vfs_iter_write", "do_iter_read", "do_iter_write", "call_read_iter", "call_write_iter",
        "new_sync_read", "new_sync_write", "vfs_ioctl", "ksys_ioctl", "compat_ioctl", "compat_sys_ioctl", "blkdev_driver_ioctl",
        "blkdev_ioctl", "do_iter_readv_writev", "^call_mmap", "mmap_region", "do_mmap", "do_dentry_open", "vfs_open",
        "^sock_sendmsg", "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$", "kernel_setsockopt", "sock_common_setsockopt",
        "^listen$", "kernel_listen", "sk_common_release", "^sock_mmap", "^accept$", "kernel_accept", "^sock_do_ioctl", "^sock_ioctl",
        "^compat_sock_ioctl", "^nfnetlink_rcv_msg", "^rtnetlink_rcv_msg", "^netlink_dump", "^(?:sys_)?(?:socketpair|connect|ioctl)",
        "__do_fault", "do_page_fault", "^page_fault$", "__fput", "task_work_run", "exit_to_usermode", "smp_call_function",
        "tasklet_action", "tasklet_hi_action",
    ];

    private static readonly Regex _notGuiltyRegex = new(string.Join('|', _notGuilty), RegexOptions.CultureInvariant);

    private static readonly Regex _stallAnchorRegex = new(string.Join('|', _stallAnchors), RegexOptions.CultureInvariant);

    /// <summary>True for a function that reports, traps, allocates, locks or copies on behalf of the code with the bug.</summary>
    public static bool NotGuilty(string function) => _notGuiltyRegex.IsMatch(function ?? string.Empty);

    /// <summary>True for a dispatching function (syscall entry, workqueue, softirq, ...) that a stall is named below.</summary>
    public static bool IsStallAnchor(string function) => _stallAnchorRegex.IsMatch(function ?? string.Empty);

    /// <summary>"__x64_sys_mremap" → "mremap": the shortest name left by removing one syscall entry prefix.</summary>
    public static string WithoutSyscallPrefix(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var best = function;
        foreach (var prefix in _syscallPrefixes)
        {
            if (function.StartsWith(prefix, StringComparison.Ordinal) && function.Length - prefix.Length < best.Length)
            {
                best = function[prefix.Length..];
            }
        }

        return best;
    }

    /// <summary>The frame on a trace line, or null when the line is not one. Inlined frames of a symbolized trace ("f mm/x.c:12 [inline]") are not frames of their own.</summary>
    public static StackFrame? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var m = FrameRegex().Match(line);
        if (m.Success)
        {
            // powerpc marks a frame whose return address may be stale with a trailing "(unreliable)", as x86 does with "? "
            var unreliable = m.Groups["q"].Success || line.TrimEnd().EndsWith("(unreliable)", StringComparison.Ordinal);
            return new StackFrame(Clean(m.Groups["f"].Value), m.Groups["mod"].Success ? m.Groups["mod"].Value : null, unreliable);
        }

        m = ArmFrameRegex().Match(line);
        return m.Success ? new StackFrame(Clean(m.Groups["f"].Value), null, false) : null;
    }

    /// <summary>The function of an instruction-pointer line (x86 "RIP: 0010:f+...", older "IP: [&lt;..&gt;] f+...", arm64 "pc : f+..."), or null (user mode, unknown).</summary>
    public static string? InstructionPointer(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var m = IpRegex().Match(line);
        return m.Success && m.Groups["f"].Success ? Clean(m.Groups["f"].Value) : null;
    }

    /// <summary>True for an instruction-pointer line, also one without a symbol (user mode, "(null)").</summary>
    public static bool IsInstructionPointerLine(string line) => IpRegex().IsMatch(line ?? string.Empty);

    /// <summary>"tcp_v4_rcv.cold.12" → "tcp_v4_rcv": compiler clones are the same function.</summary>
    public static string Clean(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var dot = function.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? function[..dot] : function;
    }

    [GeneratedRegex(@"^\s*(?:\[<?[0-9a-fx]+>?\]\s*){0,2}(?<q>\?\s+)?(?:\[<?[0-9a-fx]+>?\]\s*)*\(?(?<f>[A-Za-z_][\w$]*)(?:\.[\w.]*)?\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?\)?(?:\s+\[(?<mod>[\w-]+)(?:\s+\w+)?\])?")]
    private static partial Regex FrameRegex();

    /// <summary>32-bit arm: "[&lt;c0&gt;] (f) from [&lt;c1&gt;] (g+0x..)".</summary>
    [GeneratedRegex(@"^\s*\[<[0-9a-f]+>\] \((?<f>[A-Za-z_][\w.]*)\) from \[<[0-9a-f]+>\]")]
    private static partial Regex ArmFrameRegex();

    [GeneratedRegex(@"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:\[<?(?:0x)?[0-9a-f]+>?\] +){0,2}(?<f>[A-Za-z0-9_]+)[.+]|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?\[<?[0-9a-f]+>?\] +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))")]
    private static partial Regex IpRegex();
}
