namespace Kdumpd.Core.Initrd;

/// <summary>
/// Whether a module file carries the kernel's appended signature (module_sig_check): a locked-down capture
/// kernel refuses an unsigned module (LOCKDOWN_MODULE_SIGNATURE).
/// </summary>
public static class KernelModuleSignature
{
    /// <summary>MODULE_SIG_STRING, the last bytes of a signed module.</summary>
    public const string Marker = "~Module signature appended~\n";

    /// <summary>True when the (uncompressed) module ends with <see cref="Marker"/>.</summary>
    public static bool IsSigned(ReadOnlySpan<byte> module) => module.EndsWith("~Module signature appended~\n"u8);
}
