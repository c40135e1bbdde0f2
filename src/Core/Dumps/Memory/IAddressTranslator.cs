namespace Kdumpd.Core.Dumps.Memory;

/// <summary>Kernel virtual to physical addresses for one architecture, from what VMCOREINFO exports.</summary>
public interface IAddressTranslator
{
    /// <summary>False when the address is not mapped or a page table it needs is not in the dump.</summary>
    bool TryTranslate(ulong vaddr, out ulong paddr);
}

/// <summary>The dump's architecture is one kdump can dump but kdumpd cannot translate yet, or VMCOREINFO lacks what translation needs.</summary>
public sealed class UnsupportedTranslationException(string reason) : Exception(reason);

/// <summary>Picks the translator for a dump's architecture.</summary>
public static class AddressTranslators
{
    public const ushort ElfMachineX8664 = 62;
    public const ushort ElfMachineAarch64 = 183;

    /// <summary>
    /// The machine comes from the ELF header or utsname when the container has one; otherwise
    /// from symbols only one architecture exports (init_top_pgt is x86_64's).
    /// </summary>
    public static IAddressTranslator Create(VmcoreInfo info, string? machine, ulong? headerPhysBase, PageCache pages)
    {
        ArgumentNullException.ThrowIfNull(info);
        machine ??= info.Symbol("init_top_pgt") is not null || info.Number("pgtable_l5_enabled") is not null ? "x86_64"
            : info.Number("VA_BITS") is not null ? "aarch64" : null;
        return machine switch
        {
            "x86_64" => X8664Translator.Create(info, headerPhysBase, pages),
            null => throw new UnsupportedTranslationException("the dump's architecture is unknown (no ELF machine, no utsname, no architecture symbol in VMCOREINFO)"),
            _ => throw new UnsupportedTranslationException($"reading kernel memory of a {machine} dump is not supported yet (x86_64 only)"),
        };
    }

    public static string? MachineName(ushort elfMachine) => elfMachine switch
    {
        ElfMachineX8664 => "x86_64",
        ElfMachineAarch64 => "aarch64",
        _ => null,
    };
}
