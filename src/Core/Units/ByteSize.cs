using System.Globalization;

namespace Kdumpd.Core.Units;

/// <summary>
/// Every byte count kdumpd shows a person: binary units with one decimal only when it matters
/// ("131.2 MiB", compact "3.5G" for tables), and the exact notation crashkernel= takes ("256M").
/// </summary>
public static class ByteSize
{
    private static readonly string[] _units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>"512 B", "17.5 KiB", "131.2 MiB", "3.5 GiB"; <paramref name="compact"/> gives "512B", "17.5K", "3.5G".</summary>
    public static string Format(long bytes, bool compact = false)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < _units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var number = value.ToString(unit == 0 ? "0" : "0.#", CultureInfo.InvariantCulture);
        return compact ? number + _units[unit][0] : number + " " + _units[unit];
    }

    /// <summary>crashkernel= notation: the largest whole unit ("1G", "256M", "64K"), plain bytes otherwise.</summary>
    public static string CrashKernel(ulong bytes) => bytes switch
    {
        0 => "0",
        _ when bytes % (1UL << 30) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30}G"),
        _ when bytes % (1UL << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20}M"),
        _ when bytes % (1UL << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10}K"),
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Rounds up to whole MiB: what to suggest for crashkernel=.</summary>
    public static long CeilingMiB(long bytes) => (bytes + (1024 * 1024) - 1) / (1024 * 1024);
}
