using System.Globalization;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Reload;

/// <summary>
/// How many more crash loads the kernel allows. <c>kernel.kexec_load_limit_panic</c> (≈6.3+) is a
/// countdown, not a setting: kexec_load_permitted() decrements it at the entry of EVERY
/// kexec_load/kexec_file_load with a crash image, unloads included, and the sysctl reads the
/// current value. -1 means unlimited; 0 means every further load fails with EPERM.
/// </summary>
public static class KexecLoadBudget
{
    public const string PanicLimitPath = "/proc/sys/kernel/kexec_load_limit_panic";

    /// <summary>The loads left, or null when unlimited (-1) or the kernel has no such limit.</summary>
    public static int? Read(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var text = host.TryReadText(PanicLimitPath);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < -1)
        {
            throw new HostFileException(PanicLimitPath, host.Resolve(PanicLimitPath), $"'{text.Trim()}' is not a load count (-1 or more)", 1);
        }

        return value == -1 ? null : value;
    }
}
