using System.Globalization;
using System.Text;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// The kernel's VMCOREINFO note: KEY=VALUE lines (OSRELEASE, PAGESIZE, CRASHTIME, BUILD-ID,
/// KERNELOFFSET, SYMBOL(...), ...). Values the kernel writes in hex (KERNELOFFSET) or decimal
/// (CRASHTIME, PAGESIZE) are parsed as such; a malformed value is left null, never guessed.
/// </summary>
public sealed record VmcoreInfo(IReadOnlyDictionary<string, string> Entries)
{
    /// <summary>More than this many lines is not a VMCOREINFO the kernel wrote; the rest is ignored.</summary>
    public const int MaxEntries = 4096;

    public string? OsRelease => Entries.GetValueOrDefault("OSRELEASE");

    public string? BuildId => Entries.GetValueOrDefault("BUILD-ID");

    public long? PageSize =>
        long.TryParse(Entries.GetValueOrDefault("PAGESIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>CRASHTIME: seconds since the epoch, written by the kernel at panic time.</summary>
    public DateTimeOffset? CrashTime =>
        long.TryParse(Entries.GetValueOrDefault("CRASHTIME"), NumberStyles.None, CultureInfo.InvariantCulture, out var v)
        && v is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(v) : null;

    /// <summary>KERNELOFFSET: the KASLR slide, hexadecimal without 0x.</summary>
    public ulong? KernelOffset =>
        ulong.TryParse(Entries.GetValueOrDefault("KERNELOFFSET"), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>SYMBOL(name): a kernel virtual address, hexadecimal without 0x.</summary>
    public ulong? Symbol(string name) => Hex($"SYMBOL({name})");

    /// <summary>OFFSET(struct.member): decimal.</summary>
    public long? Offset(string structMember) => Decimal($"OFFSET({structMember})");

    /// <summary>SIZE(struct): decimal.</summary>
    public long? Size(string name) => Decimal($"SIZE({name})");

    /// <summary>LENGTH(name): decimal.</summary>
    public long? Length(string name) => Decimal($"LENGTH({name})");

    /// <summary>NUMBER(name): decimal, may be negative (NUMBER(phys_base) is, under KASLR).</summary>
    public long? Number(string name) => Decimal($"NUMBER({name})");

    private ulong? Hex(string key) =>
        ulong.TryParse(Entries.GetValueOrDefault(key), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;

    private long? Decimal(string key) =>
        long.TryParse(Entries.GetValueOrDefault(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Parses the note's text; stops at the first NUL, ignores lines without '='.</summary>
    public static VmcoreInfo Parse(ReadOnlySpan<byte> text)
    {
        var nul = text.IndexOf((byte)0);
        if (nul >= 0)
        {
            text = text[..nul];
        }

        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.Latin1.GetString(text).Split('\n'))
        {
            if (entries.Count >= MaxEntries)
            {
                break;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            entries.TryAdd(line[..eq], line[(eq + 1)..].TrimEnd('\r'));
        }

        return new VmcoreInfo(entries);
    }
}
