using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Kdumpd.Core.Host;

using Kdumpd.Core.Units;

namespace Kdumpd.Core.Planning;

/// <summary>
/// Computes the <see cref="CrashPlan"/> for a host: pure (no I/O), deterministic, linear in the number of
/// ranges. The rules for each layout, with their kernel and kexec-tools sources, are in docs/plan-layouts.md.
/// </summary>
public static class CrashPlanner
{
    /// <summary>The finding code of a budget that does not fit (its message is <see cref="ReservationBudget.Summary"/>).</summary>
    public const string ReservationTooSmall = "reservation-too-small";

    /// <summary>ELF_CORE_HEADER_ALIGN: the kernel places elfcorehdr on a page boundary.</summary>
    public const ulong KernelHeaderAlign = 4096;

    /// <summary>kexec-tools aligns the header and backup to 1 KiB (memmap= granularity) and never makes the header segment smaller than 16 KiB.</summary>
    public const ulong KexecToolsAlign = 1024;

    public const ulong KexecToolsMinimumHeaderSegment = 16 * 1024;

    /// <summary>kexec-tools looks for the x86 backup source among RAM ranges ending at or below this (inclusive) address.</summary>
    public const ulong X86BackupSearchLimit = 0xa0000;

    /// <summary>kexec-tools aligns the kernel text vaddr down to 1 MiB (X86_64_KERN_VADDR_ALIGN) and its size up to a page.</summary>
    public const ulong KexecToolsKernelVaddrAlign = 0x100000;

    public const ulong PageSize = 4096;

    /// <summary>kexec-tools' hard-coded x86_64 kernel text window (X86_64_KERNEL_TEXT_SIZE) when _stext is unknown.</summary>
    public const ulong X86KernelTextWindow = 512UL << 20;

    /// <summary>KERNEL_IMAGE_SIZE with KASLR: where the kernel's own text mapping can be on x86_64.</summary>
    public const ulong X86KernelImageSize = 1UL << 30;

    public static CrashPlan Plan(HostSnapshot host, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        var profile = options.Profile ?? ArchProfile.FromKernelRelease(host.KernelRelease);
        var layout = options.Layout;
        var findings = new List<PlanFinding>();

        var reservations = Reservations(host, findings);
        var notes = Notes(host, layout, findings);
        var directMapBase = DirectMapBase(host, profile, layout, findings);
        var kernelText = profile.KernelTextLoad ? KernelText(host, profile, layout, findings) : null;
        var ram = host.Iomem.SystemRam();
        var crashk = reservations.IsEmpty ? (PhysRange?)null : reservations[^1];
        var backup = profile.HasBackup(layout) ? Backup(ram, profile, crashk, findings) : null;

        // Everything the capture side keeps lies in the reservation, but the header and backup are
        // subtracted on their own too: a plan must never promise bytes the capture kernel overwrote.
        var loadCount = 0;
        var exclusions = Exclusions(profile, layout, reservations, backup);
        var ramLoads = RamLoads(ram, exclusions, backup, profile, directMapBase, ref loadCount);
        var programHeaderCount = notes.Length + (kernelText is null ? 0 : 1) + loadCount;
        var header = PlaceHeader(profile, layout, crashk, backup, programHeaderCount);
        if (crashk is { } reservation && !header.IsPlaced)
        {
            findings.Add(new(FindingSeverity.Error, "header-does-not-fit", $"the {ByteSize.CrashKernel(header.MemorySize)} header segment does not fit the {ByteSize.CrashKernel(reservation.Size)} reservation at {reservation}"));
        }

        // One exactly sized array becomes the plan's loads without a copy: at 8192 ranges every extra
        // copy is a large-object-heap allocation, which costs more than the planning itself.
        var loads = new PlannedLoad[loadCount + (kernelText is null ? 0 : 1)];
        var next = 0;
        if (kernelText is { } text)
        {
            loads[next++] = text;
        }

        ramLoads.AsSpan(0, loadCount).CopyTo(loads.AsSpan(next));
        ArrayPool<PlannedLoad>.Shared.Return(ramLoads);
        var commandLine = options.CaptureCommandLine ?? CaptureCommandLine.Build(host.CommandLine ?? string.Empty, new CaptureCommandLineOptions());
        var budget = Budget(reservations, options, header, backup, findings);
        KexecSwitches(host, findings);

        var plan = new CrashPlan(
            layout,
            profile,
            host.KernelRelease,
            reservations,
            notes,
            ImmutableCollectionsMarshal.AsImmutableArray(loads),
            backup,
            header,
            budget,
            commandLine,
            [.. findings],
            string.Empty);
        return plan with { Fingerprint = PlanFingerprint.Compute(host, plan, options, directMapBase, ram) };
    }

    private static ImmutableArray<PhysRange> Reservations(HostSnapshot host, List<PlanFinding> findings)
    {
        var crash = host.Iomem.CrashKernels();
        if (crash.IsEmpty)
        {
            findings.Add(new(FindingSeverity.Error, "no-crash-reservation", "/proc/iomem has no 'Crash kernel' range: add crashkernel=256M to the kernel command line and reboot"));
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<PhysRange>(crash.Length);
        foreach (var r in crash)
        {
            builder.Add(PhysRange.FromInclusive(r.Start, r.End));
        }

        return builder.MoveToImmutable();
    }

    private static ImmutableArray<PlannedNote> Notes(HostSnapshot host, PlanLayout layout, List<PlanFinding> findings)
    {
        var cpus = host.Cpus;
        var notes = ImmutableArray.CreateBuilder<PlannedNote>(cpus.CrashNotes.Length + 1);
        if (cpus.CrashNotes.IsEmpty)
        {
            findings.Add(new(FindingSeverity.Error, "no-crash-notes", "no CPU has a crash_notes file under /sys/devices/system/cpu: the kernel was built without crash dump support"));
        }

        foreach (var cpu in cpus.CrashNotes)
        {
            notes.Add(new PlannedNote(NoteKind.CpuCrashNotes, cpu.Cpu, cpu.Address, cpu.Size));
        }

        // The kernel writes a note for every possible CPU; sysfs only shows present ones. kexec-tools
        // skips absent CPUs just as we must, so only the kernel's own layout has more notes than we can plan.
        if (layout == PlanLayout.KexecFile && !cpus.CrashNotes.IsEmpty && cpus.Possible.Length > cpus.CrashNotes.Length)
        {
            var missing = cpus.Possible.Where(c => !cpus.CrashNotes.Any(n => n.Cpu == c)).ToList();
            findings.Add(new(FindingSeverity.Info, "cpu-notes-not-visible", $"CPUs {FormatCpuList(missing)} are possible but not present: their crash_notes addresses are not visible, the kernel's own header carries {missing.Count} more PT_NOTE(s)"));
        }

        if (host.VmcoreInfo is { } vmcoreinfo)
        {
            notes.Add(new PlannedNote(NoteKind.VmcoreInfo, null, vmcoreinfo.Address, vmcoreinfo.Size));
        }
        else
        {
            findings.Add(new(FindingSeverity.Warning, "no-vmcoreinfo", "/sys/kernel/vmcoreinfo is missing: the dump will carry no VMCOREINFO and makedumpfile cannot filter it"));
        }

        return notes.ToImmutable();
    }

    private static ulong DirectMapBase(HostSnapshot host, ArchProfile profile, PlanLayout layout, List<PlanFinding> findings)
    {
        if (host.Kcore is { Segments.IsEmpty: false } kcore)
        {
            if (layout == PlanLayout.KexecTools && profile.KernelTextMapBase is not null)
            {
                // kexec-tools: the lowest PT_LOAD vaddr of kcore, rounded down to 1 GiB, is PAGE_OFFSET.
                var lowest = kcore.Segments.Min(s => s.VirtualAddress) & ~((1UL << 30) - 1);
                if (lowest != 0)
                {
                    return lowest;
                }
            }

            // The kernel: p_vaddr = __va(paddr). kcore's RAM segments have vaddr = __va(paddr); the smallest
            // vaddr - paddr among segments with a physical address is the direct map (the text mapping's is larger).
            ulong? best = null;
            foreach (var s in kcore.Segments)
            {
                if (s.HasPhysicalAddress && s.VirtualAddress >= s.PhysicalAddress)
                {
                    var delta = s.VirtualAddress - s.PhysicalAddress;
                    best = best is null ? delta : Math.Min(best.Value, delta);
                }
            }

            if (best is { } found)
            {
                return found;
            }
        }

        findings.Add(new(FindingSeverity.Info, "direct-map-base-assumed", $"/proc/kcore is not readable: RAM p_vaddr assumes the unrandomized direct map at 0x{profile.DefaultDirectMapBase:x} (p_paddr and p_offset are exact)"));
        return profile.DefaultDirectMapBase;
    }

    private static PlannedLoad? KernelText(HostSnapshot host, ArchProfile profile, PlanLayout layout, List<PlanFinding> findings)
    {
        var kernelCode = host.Iomem.Named("Kernel code");
        var symbols = host.Symbols;
        if (host.Kcore is { } kcore)
        {
            var segment = FindTextSegment(kcore, profile, layout, symbols);
            if (segment is not null)
            {
                if (layout == PlanLayout.KexecFile)
                {
                    // crash_prepare_elf64_headers: vaddr _text, size _end - _text, paddr __pa_symbol(_text):
                    // exactly kcore's KCORE_TEXT entry.
                    return new PlannedLoad(LoadKind.KernelText, segment.PhysicalAddress, segment.MemorySize, segment.PhysicalAddress, segment.VirtualAddress);
                }

                if (!kernelCode.IsEmpty)
                {
                    return KexecToolsText(segment.VirtualAddress, segment.VirtualAddress + segment.MemorySize, kernelCode[0].Start);
                }
            }
        }

        if (symbols is { Text: { } textStart, End: { } end } && end > textStart && !kernelCode.IsEmpty)
        {
            // "Kernel code" starts at __pa_symbol(_text).
            var paddr = kernelCode[0].Start;
            return layout == PlanLayout.KexecFile
                ? new PlannedLoad(LoadKind.KernelText, paddr, end - textStart, paddr, textStart)
                : KexecToolsText(textStart, end, paddr);
        }

        findings.Add(new(FindingSeverity.Warning, "kernel-text-unknown", "neither /proc/kcore nor /proc/kallsyms (_text, _end) is readable (both need root): the plan has no kernel text PT_LOAD, the kernel's own header has one"));
        return null;
    }

    private static PlannedLoad KexecToolsText(ulong vstart, ulong vend, ulong paddr)
    {
        var aligned = vstart & ~(KexecToolsKernelVaddrAlign - 1);
        var size = AlignUp(vend - aligned, PageSize);
        return new PlannedLoad(LoadKind.KernelText, paddr, size, paddr, aligned);
    }

    private static KcoreSegment? FindTextSegment(KcoreHeader kcore, ArchProfile profile, PlanLayout layout, KernelSymbols? symbols)
    {
        var anchor = layout == PlanLayout.KexecTools ? symbols?.Stext ?? symbols?.Text : symbols?.Text ?? symbols?.Stext;
        if (anchor is { } a)
        {
            foreach (var s in kcore.Segments)
            {
                if (s.VirtualAddress <= a && a - s.VirtualAddress < s.MemorySize)
                {
                    return s;
                }
            }
        }

        if (profile.KernelTextMapBase is { } textBase)
        {
            // kexec-tools' fallback window is 512 MiB; the kernel's text lives anywhere in KERNEL_IMAGE_SIZE,
            // and only KCORE_TEXT has a physical address there (modules are vmalloc, p_paddr all ones).
            var window = layout == PlanLayout.KexecTools ? X86KernelTextWindow : X86KernelImageSize;
            foreach (var s in kcore.Segments)
            {
                if (s.VirtualAddress >= textBase && s.VirtualAddress - textBase < window
                    && s.MemorySize <= window - (s.VirtualAddress - textBase)
                    && (layout == PlanLayout.KexecTools || s.HasPhysicalAddress))
                {
                    return s;
                }
            }
        }

        return null;
    }

    private static BackupRegion? Backup(ImmutableArray<IomemResource> ram, ArchProfile profile, PhysRange? crashk, List<PlanFinding> findings)
    {
        var source = profile.BackupSource;
        if (profile.BackupSource == ArchProfile.X86LowMemory)
        {
            // kexec-tools get_backup_area: the first RAM range ending at or below 640 KiB, else 0-640K.
            foreach (var r in ram)
            {
                if (r.End <= X86BackupSearchLimit)
                {
                    source = PhysRange.FromInclusive(r.Start, r.End);
                    break;
                }
            }
        }

        var reserved = AlignUp(source.Size, KexecToolsAlign);
        if (crashk is not { } res)
        {
            return null;
        }

        if (res.Size < reserved)
        {
            findings.Add(new(FindingSeverity.Error, "backup-does-not-fit", $"the {ByteSize.CrashKernel(reserved)} backup region does not fit the {ByteSize.CrashKernel(res.Size)} reservation"));
            return null;
        }

        return new BackupRegion(source, AlignDown(res.End - reserved, KexecToolsAlign), reserved);
    }

    private static List<PhysRange> Exclusions(ArchProfile profile, PlanLayout layout, ImmutableArray<PhysRange> reservations, BackupRegion? backup)
    {
        var exclusions = new List<PhysRange>(reservations.Length + 2);
        if (layout == PlanLayout.KexecFile && profile.KexecFileLowExclusion != 0)
        {
            // arch/x86/kernel/crash.c elf_header_exclude_ranges: the low 1 MiB is always reserved.
            exclusions.Add(new PhysRange(0, profile.KexecFileLowExclusion));
        }

        exclusions.AddRange(reservations);
        if (backup is not null)
        {
            exclusions.Add(new PhysRange(backup.Destination, backup.Destination + backup.ReservedSize));
        }

        exclusions.Sort((a, b) => a.Start.CompareTo(b.Start));
        return exclusions;
    }

    private static PlannedLoad[] RamLoads(ImmutableArray<IomemResource> ram, List<PhysRange> exclusions, BackupRegion? backup, ArchProfile profile, ulong directMapBase, ref int count)
    {
        // Each exclusion splits a range in two at most, and the backup source adds two cuts. Scratch only:
        // rented, returned by the caller.
        var loads = ArrayPool<PlannedLoad>.Shared.Rent(ram.Length + exclusions.Count + 2);
        var j = 0;
        foreach (var resource in ram)
        {
            var range = PhysRange.FromInclusive(resource.Start, resource.End);
            while (j < exclusions.Count && exclusions[j].End <= range.Start)
            {
                j++;
            }

            var cursor = range.Start;
            for (var k = j; k < exclusions.Count && exclusions[k].Start < range.End; k++)
            {
                if (exclusions[k].Start > cursor)
                {
                    Emit(new PhysRange(cursor, exclusions[k].Start), ref loads, ref count, backup, profile, directMapBase);
                }

                cursor = Math.Max(cursor, exclusions[k].End);
                if (cursor >= range.End)
                {
                    break;
                }
            }

            if (cursor < range.End)
            {
                Emit(new PhysRange(cursor, range.End), ref loads, ref count, backup, profile, directMapBase);
            }
        }

        return loads;
    }

    private static void Emit(PhysRange piece, ref PlannedLoad[] loads, ref int count, BackupRegion? backup, ArchProfile profile, ulong directMapBase)
    {
        if (backup is not null && piece.Overlaps(backup.Source) && !backup.Source.Contains(piece))
        {
            // The backup source is its own PT_LOAD (ppc64's first 64 KiB inside a bigger range).
            var cuts = new[] { piece.Start, Math.Max(piece.Start, backup.Source.Start), Math.Min(piece.End, backup.Source.End), piece.End };
            for (var i = 0; i < 3; i++)
            {
                if (cuts[i + 1] > cuts[i])
                {
                    Emit(new PhysRange(cuts[i], cuts[i + 1]), ref loads, ref count, backup, profile, directMapBase);
                }
            }

            return;
        }

        if (count == loads.Length)
        {
            var larger = ArrayPool<PlannedLoad>.Shared.Rent(loads.Length * 2);
            loads.AsSpan(0, count).CopyTo(larger);
            ArrayPool<PlannedLoad>.Shared.Return(loads);
            loads = larger;
        }

        var vaddr = profile.LowmemLimit is { } limit && piece.End > limit ? ulong.MaxValue : directMapBase + piece.Start;
        loads[count++] = backup is not null && backup.Source.Contains(piece)
            ? new PlannedLoad(LoadKind.BackedUpRam, piece.Start, piece.Size, backup.Destination + (piece.Start - backup.Source.Start), vaddr)
            : new PlannedLoad(LoadKind.Ram, piece.Start, piece.Size, piece.Start, vaddr);
    }

    private static HeaderSegment PlaceHeader(ArchProfile profile, PlanLayout layout, PhysRange? crashk, BackupRegion? backup, int programHeaderCount)
    {
        var size = (ulong)Elf.ElfCoreHeader.GetSize(profile.Class, programHeaderCount);
        if (layout == PlanLayout.KexecFile)
        {
            // kexec_file: crash_load_segments adds elfcorehdr first, bottom-up in crashk_res, page aligned.
            var memsz = AlignUp(size, KernelHeaderAlign);
            var fits = crashk is { } r && AlignUp(r.Start, KernelHeaderAlign) + memsz <= (backup?.Destination ?? r.End);
            return new HeaderSegment(fits ? AlignUp(crashk!.Value.Start, KernelHeaderAlign) : 0, size, memsz, profile.Class, programHeaderCount);
        }

        // kexec-tools: top-down; the backup is added first (top of the reservation), the header right below.
        var segment = Math.Max(KexecToolsMinimumHeaderSegment, AlignUp(size, KexecToolsAlign));
        if (crashk is not { } res)
        {
            return new HeaderSegment(0, size, segment, profile.Class, programHeaderCount);
        }

        var top = backup?.Destination ?? res.End;
        var address = top - res.Start >= segment && AlignDown(top - segment, KexecToolsAlign) >= res.Start ? AlignDown(top - segment, KexecToolsAlign) : 0;
        return new HeaderSegment(address, size, segment, profile.Class, programHeaderCount);
    }

    private static ReservationBudget Budget(ImmutableArray<PhysRange> reservations, PlanOptions options, HeaderSegment header, BackupRegion? backup, List<PlanFinding> findings)
    {
        ulong reserved = 0;
        foreach (var r in reservations)
        {
            reserved += r.Size;
        }

        var budget = new ReservationBudget(
            reserved,
            options.CaptureKernel?.MemorySize ?? 0,
            options.CaptureInitrd?.MemorySize ?? 0,
            header.MemorySize,
            backup?.ReservedSize ?? 0,
            ReservationBudget.WorkingMemoryFor(options.CaptureCommandLine, options.MinimumWorkingMemory));
        if (options.CaptureKernel is null)
        {
            findings.Add(new(FindingSeverity.Info, "budget-without-capture-kernel", "no capture kernel given: the budget counts header, backup and working memory only"));
        }

        if (reservations.IsEmpty)
        {
            return budget;
        }

        if (!budget.Fits)
        {
            findings.Add(new(FindingSeverity.Error, ReservationTooSmall, budget.Summary));
        }

        return budget;
    }

    private static void KexecSwitches(HostSnapshot host, List<PlanFinding> findings)
    {
        if (host.Kexec.KexecLoadDisabled)
        {
            findings.Add(new(FindingSeverity.Error, "kexec-load-disabled", $"{KexecSysfs.LoadDisabledPath} is 1: no panic kernel can be loaded until reboot"));
        }

        if (host.Kexec.LoadsLeft is 0)
        {
            findings.Add(new(FindingSeverity.Error, "kexec-load-limit-reached", $"{KexecSysfs.LoadLimitPanicPath} is 0: no more panic kernel loads are allowed until reboot"));
        }

        if (host.Memory is { } memory && memory.Blocks.Any(b => !b.IsOnline))
        {
            var offline = memory.Blocks.Where(b => !b.IsOnline).ToList();
            findings.Add(new(FindingSeverity.Info, "offline-memory-blocks", $"{offline.Count} memory block(s) of {ByteSize.CrashKernel(memory.BlockSizeBytes)} are offline (memory{offline[0].Index}...): their System RAM is planned as the kernel plans it, onlining them does not change the header"));
        }

        if (host.Memory?.CrashHotplug is true || host.Cpus.CrashHotplug is true)
        {
            findings.Add(new(FindingSeverity.Info, "crash-hotplug", "the kernel updates the loaded header itself on memory/CPU hotplug: reload only for kernel, initrd or command line changes"));
        }
    }

    internal static ulong AlignUp(ulong value, ulong align) => (value + align - 1) & ~(align - 1);

    internal static ulong AlignDown(ulong value, ulong align) => value & ~(align - 1);

    private static string FormatCpuList(List<int> cpus)
    {
        var parts = new List<string>();
        for (var i = 0; i < cpus.Count;)
        {
            var j = i;
            while (j + 1 < cpus.Count && cpus[j + 1] == cpus[j] + 1)
            {
                j++;
            }

            parts.Add(j == i ? cpus[i].ToString(CultureInfo.InvariantCulture) : $"{cpus[i]}-{cpus[j]}");
            i = j + 1;
        }

        return string.Join(',', parts);
    }
}
