using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Planning;

/// <summary>Where a profile's backup region comes from and which layouts use it.</summary>
public enum BackupRule
{
    /// <summary>No backup region (x86_64 kexec_file_load since Linux 5.6, arm64).</summary>
    None,

    /// <summary>Only kexec-tools keeps one (x86: it still copies the first 640 KiB of RAM).</summary>
    KexecToolsOnly,

    /// <summary>Both layouts keep one (ppc64; the historical x86_64 kernel before 5.6).</summary>
    Always,
}

/// <summary>
/// What the architecture decides about the header: ELF class and machine, the low-memory backup,
/// the direct-map base for p_vaddr and where the kernel text mapping lives.
/// </summary>
public sealed record ArchProfile(
    string Name,
    ushort Machine,
    ElfClass Class,
    BackupRule Backup,
    PhysRange BackupSource,
    ulong DefaultDirectMapBase,
    ulong? KernelTextMapBase,
    ulong KexecFileLowExclusion,
    ulong? LowmemLimit,
    bool KernelTextLoad)
{
    /// <summary>x86 keeps the first 640 KiB as the backup source (kexec-tools BACKUP_SRC_START..END).</summary>
    public static readonly PhysRange X86LowMemory = new(0, 0xa0000);

    /// <summary>x86_64 on current kernels: kexec_file_load excludes the low 1 MiB, kexec-tools backs up 640 KiB.</summary>
    public static ArchProfile X8664 { get; } = new("x86_64", ElfConstants.EmX8664, ElfClass.Elf64, BackupRule.KexecToolsOnly, X86LowMemory, 0xffff888000000000, 0xffffffff80000000, 0x100000, null, true);

    /// <summary>x86_64 as kernels before 5.6 did it: low memory kept and backed up into the reservation in both layouts.</summary>
    public static ArchProfile X8664LowMemBackup { get; } = X8664 with { Name = "x86_64-lowmem-backup", Backup = BackupRule.Always, KexecFileLowExclusion = 0 };

    public static ArchProfile Arm64 { get; } = new("arm64", ElfConstants.EmAarch64, ElfClass.Elf64, BackupRule.None, default, 0xffff000000000000, null, 0, null, true);

    /// <summary>ppc64 boots the capture kernel at 0, so the first 64 KiB are copied away first.</summary>
    public static ArchProfile Ppc64 { get; } = new("ppc64", ElfConstants.EmPpc64, ElfClass.Elf64, BackupRule.Always, new PhysRange(0, 0x10000), 0xc000000000000000, null, 0, null, false);

    /// <summary>i386: ELF32 headers; highmem above 896 MiB has no direct mapping (p_vaddr all ones, as kexec-tools writes it).</summary>
    public static ArchProfile I386 { get; } = new("i386", ElfConstants.EmI386, ElfClass.Elf32, BackupRule.KexecToolsOnly, X86LowMemory, 0xc0000000, null, 0x100000, 0x38000000, false);

    public static IReadOnlyList<ArchProfile> All { get; } = [X8664, X8664LowMemBackup, Arm64, Ppc64, I386];

    public bool HasBackup(PlanLayout layout) => Backup == BackupRule.Always || (Backup == BackupRule.KexecToolsOnly && layout == PlanLayout.KexecTools);

    public static ArchProfile? FromName(string? name)
    {
        var key = name?.Trim().ToUpperInvariant();
        return key switch
        {
            "X86_64" or "AMD64" => X8664,
            "X86_64-LOWMEM-BACKUP" => X8664LowMemBackup,
            "ARM64" or "AARCH64" => Arm64,
            "PPC64" or "PPC64LE" or "PPC64EL" => Ppc64,
            "I386" or "I686" or "X86" => I386,
            _ => null,
        };
    }

    /// <summary>Guesses the profile from the kernel release ("6.1.0-56-amd64", "6.1.0-arm64", "...ppc64le"); x86_64 otherwise.</summary>
    public static ArchProfile FromKernelRelease(string? release)
    {
        if (release is null)
        {
            return X8664;
        }

        if (release.Contains("arm64", StringComparison.Ordinal) || release.Contains("aarch64", StringComparison.Ordinal))
        {
            return Arm64;
        }

        if (release.Contains("ppc64", StringComparison.Ordinal) || release.Contains("powerpc64", StringComparison.Ordinal))
        {
            return Ppc64;
        }

        return release.EndsWith("686", StringComparison.Ordinal) || release.EndsWith("686-pae", StringComparison.Ordinal) ? I386 : X8664;
    }
}
