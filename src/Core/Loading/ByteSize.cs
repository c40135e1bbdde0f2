using System.Globalization;

namespace Kdumpd.Core.Loading;

/// <summary>Sizes in the units operators use for crashkernel= (MiB), with one decimal only when it matters.</summary>
public static class ByteSize
{
    private const double MiB = 1024 * 1024;

    public static string Format(long bytes)
    {
        if (bytes < 1024 * 1024)
        {
            return bytes < 1024
                ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
                : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes / MiB:0.#} MiB");
    }

    /// <summary>Rounds up to whole MiB: what to suggest for crashkernel=.</summary>
    public static long CeilingMiB(long bytes) => (bytes + (1024 * 1024) - 1) / (1024 * 1024);
}
