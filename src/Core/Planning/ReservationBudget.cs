using Kdumpd.Core.Units;

namespace Kdumpd.Core.Planning;

/// <summary>
/// What the crash reservation must hold (capture kernel, initrd, ELF core header, backup region and the
/// capture kernel's working memory) and what it holds. The one budget: the planner builds it, the loader
/// refuses on it, readiness (`kdumpd status`, GET /v1/status, /readyz) reports it, with the same figures.
/// </summary>
public sealed record ReservationBudget(ulong Reserved, ulong Kernel, ulong Initrd, ulong Header, ulong Backup, ulong WorkingMemory)
{
    /// <summary>
    /// Memory the capture kernel needs once booted beyond its image, initrd (compressed and unpacked, both
    /// counted), header and backup: page tables, slab, kdumpd-init and makedumpfile. Calibrated in QEMU on
    /// 2026-11-30 with Debian's 6.1 kernel (63.6 MiB in memory), kdumpd's initrd (5.0 MiB + 11.6 MiB) and the
    /// capture command line's lockdown=confidentiality (without it tracefs takes ~8.5 MiB at boot and 96M ran
    /// out of memory unpacking the initrd): crashkernel=96M saved a complete dump and 84M did not, so ~95 MiB
    /// needed arms 96M and refuses 84M (tests/e2e capture-initrd, E2E_INITRD_FORCE=1). Change it here only.
    /// </summary>
    public const ulong DefaultWorkingMemory = 14UL << 20;

    /// <summary>
    /// What tracefs takes at boot when tracing stays on (a dentry and an inode per trace event file; measured on
    /// 6.1 at crashkernel=96M: 8.5 MiB of slab). The capture command line's lockdown=confidentiality turns tracing
    /// off; one without it (an operator's lockdown=none, for unsigned modules) is counted this much more.
    /// </summary>
    public const ulong TracingMemory = 9UL << 20;

    /// <summary>
    /// The working memory for <paramref name="captureCommandLine"/>: <paramref name="minimum"/>, plus
    /// <see cref="TracingMemory"/> when its last lockdown= is not confidentiality; unknown (null) counts none.
    /// </summary>
    public static ulong WorkingMemoryFor(string? captureCommandLine, ulong minimum = DefaultWorkingMemory) =>
        captureCommandLine is null
            || KernelCommandLine.Parse(captureCommandLine).Parameters.LastOrDefault(p => p.Is("lockdown"))?.Value == "confidentiality"
            ? minimum
            : minimum + TracingMemory;

    /// <summary>Room counted for the ELF core header when no plan sized it: x86's kernel-built header with hotplug room is below 1 MiB.</summary>
    public const ulong UnplannedHeader = 1UL << 20;

    /// <summary>crashkernel= sizes are suggested in multiples of this many MiB.</summary>
    public const ulong SuggestionStepMiB = 128;

    public ulong Needed => Kernel + Initrd + Header + Backup + WorkingMemory;

    public ulong Shortfall => Needed > Reserved ? Needed - Reserved : 0;

    public bool Fits => Shortfall == 0;

    /// <summary>The crashkernel= size (MiB) to suggest: the next multiple of <see cref="SuggestionStepMiB"/> above what is needed.</summary>
    public ulong SuggestedMiB => (CeilingMiB(Needed) + SuggestionStepMiB - 1) / SuggestionStepMiB * SuggestionStepMiB;

    /// <summary>"kernel 11.2 MiB + initrd 30.5 MiB + header 4 KiB + backup 0 B + working memory 64 MiB".</summary>
    public string Breakdown =>
        $"kernel {Size(Kernel)} + initrd {Size(Initrd)} + header {Size(Header)} + backup {Size(Backup)} + working memory {Size(WorkingMemory)}";

    /// <summary>One sentence with the figures and, when it does not fit, the fix.</summary>
    public string Summary => Reserved == 0
        ? $"no crash memory is reserved (kexec_crash_size is 0), {Size(Needed)} needed ({Breakdown}): boot with crashkernel={SuggestedMiB}M"
        : Fits
            ? $"crashkernel reserves {Size(Reserved)}, {Size(Needed)} needed ({Breakdown})"
            : $"crashkernel reserves {Size(Reserved)}, {Size(Needed)} needed ({Breakdown}): raise crashkernel= to {SuggestedMiB}M and reboot";

    /// <summary>
    /// The budget of a load no plan sized: the images' memory, <see cref="UnplannedHeader"/> for the header,
    /// no backup region (x86 kexec-tools adds one; the plan knows when).
    /// </summary>
    public static ReservationBudget Unplanned(ulong reserved, ulong kernel, ulong initrd, string? captureCommandLine = null) =>
        new(reserved, kernel, initrd, UnplannedHeader, 0, WorkingMemoryFor(captureCommandLine));

    private static string Size(ulong bytes) => ByteSize.Format((long)bytes);

    private static ulong CeilingMiB(ulong bytes) => (ulong)ByteSize.CeilingMiB((long)bytes);
}
