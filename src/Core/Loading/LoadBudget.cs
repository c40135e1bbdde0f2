using Kdumpd.Core.Units;

namespace Kdumpd.Core.Loading;

/// <summary>How much the self-contained budget check assumes beyond the files.</summary>
public sealed record LoadBudgetOptions
{
    /// <summary>Room for the ELF core header when no plan gives its size: x86's kernel-built header with hotplug room is below 1 MiB.</summary>
    public long DefaultHeaderBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The least the capture kernel needs to run once booted (page tables, unpacked initramfs, the saver).
    /// Measured: a 6.1 capture kernel with a tiny initramfs runs in 128 MiB with about 36 MiB free.
    /// </summary>
    public long WorkingMemoryBytes { get; init; } = 32L * 1024 * 1024;
}

/// <summary>One line of the budget: what it is for and how many bytes.</summary>
public sealed record BudgetItem(string What, long Bytes);

/// <summary>
/// Whether a load can fit. <see cref="Fits"/> is false only on evidence (a known reservation that is too
/// small, or the plan's own check); an unknown reservation is not a refusal.
/// </summary>
public sealed record BudgetVerdict(bool Fits, long RequiredBytes, long? ReservationBytes, IReadOnlyList<BudgetItem> Items, IReadOnlyList<string> Findings, string Summary);

/// <summary>
/// The pre-load check: the plan summary's verdict when the planner is wired, and always a check from the
/// file sizes against kexec_crash_size, so a too-small crashkernel= is refused with numbers, not an errno.
/// </summary>
public static class LoadBudget
{
    public static BudgetVerdict Check(KernelImageInfo kernel, long? initrdBytes, long? reservationBytes, PlanSummary? plan, LoadBudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(options);
        var items = new List<BudgetItem>
        {
            new(kernel.MemoryBytes > kernel.FileBytes ? $"kernel {ByteSize.Format(kernel.FileBytes)} file, in memory" : "kernel", kernel.MemoryBytes),
        };
        if (initrdBytes is { } initrd)
        {
            items.Add(new BudgetItem("initrd", initrd));
        }

        items.Add(new BudgetItem("ELF core header", plan?.HeaderBytes?.Length is { } header and > 0 ? header : options.DefaultHeaderBytes));
        items.Add(new BudgetItem("capture kernel working memory", options.WorkingMemoryBytes));
        var required = items.Sum(i => i.Bytes);
        var findings = new List<string>();

        if (plan is not null && !plan.Fits)
        {
            findings.Add($"the plan ({plan.Fingerprint[..Math.Min(12, plan.Fingerprint.Length)]}) needs {ByteSize.Format(plan.RequiredBytes)} and the reservation is {ByteSize.Format(plan.ReservationBytes)}");
            findings.AddRange(plan.Findings);
        }

        var breakdown = string.Join(" + ", items.Select(i => $"{i.What} {ByteSize.Format(i.Bytes)}"));
        var effectiveRequired = Math.Max(required, plan?.RequiredBytes ?? 0);
        string summary;
        bool fits;
        if (reservationBytes is null)
        {
            fits = plan?.Fits ?? true;
            summary = $"reservation unknown (no {KexecSysfs.CrashSizePath}); this load needs {ByteSize.Format(effectiveRequired)} ({breakdown})";
        }
        else if (reservationBytes == 0)
        {
            fits = false;
            summary = $"no crash memory is reserved (kexec_crash_size is 0); this load needs {ByteSize.Format(effectiveRequired)} ({breakdown}): boot with crashkernel={Suggest(effectiveRequired)}M";
        }
        else
        {
            fits = effectiveRequired <= reservationBytes && (plan?.Fits ?? true);
            summary = fits
                ? $"crashkernel reserves {ByteSize.Format(reservationBytes.Value)}, this load needs {ByteSize.Format(effectiveRequired)} ({breakdown})"
                : $"crashkernel reserves {ByteSize.Format(reservationBytes.Value)}, this load needs {ByteSize.Format(effectiveRequired)} ({breakdown}): raise crashkernel= to at least {Suggest(effectiveRequired)}M and reboot";
        }

        return new BudgetVerdict(fits, effectiveRequired, reservationBytes, items, findings, summary);
    }

    private static long Suggest(long required) => ByteSize.CeilingMiB(required);
}
