using System.Globalization;
using System.Text;

namespace Kdumpd.Core.Dumps.Printk;

/// <summary>
/// Writes printk records the way `makedumpfile --dump-dmesg` does, byte for byte:
/// "[%5llu.%06lu] " then the text; an embedded newline continues under the prefix; printable
/// ASCII and C-locale space stay, anything else becomes \xNN. makedumpfile reads text through a
/// signed char, so a byte of 0x80 or more prints sign-extended ("\xffffffc3"): kept, so that the
/// two texts compare equal.
/// </summary>
public static class DmesgText
{
    public static void AppendRecord(StringBuilder output, ulong tsNsec, ReadOnlySpan<byte> text, uint? callerId = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var start = output.Length;
        output.Append('[')
            .Append((tsNsec / 1_000_000_000).ToString(CultureInfo.InvariantCulture).PadLeft(5))
            .Append('.')
            .Append((tsNsec % 1_000_000_000 / 1000).ToString("D6", CultureInfo.InvariantCulture))
            .Append("] ");
        if (callerId is { } cid)
        {
            // The legacy log_buf's caller id (5.1..5.9): "[ T123] " / "[   C1] ", 8 wide.
            var id = ((cid & 0x8000_0000) != 0 ? "C" : "T") + (cid & 0x7fff_ffff).ToString(CultureInfo.InvariantCulture);
            output.Append('[').Append(id.PadLeft(8)).Append("] ");
        }

        var indent = output.Length - start;
        foreach (var b in text)
        {
            if (b == (byte)'\n')
            {
                output.Append('\n').Append(' ', indent);
            }
            else if (b is >= 0x20 and <= 0x7e or (byte)'\t' or 0x0b or 0x0c or (byte)'\r')
            {
                output.Append((char)b);
            }
            else
            {
                output.Append("\\x").Append(((int)(sbyte)b).ToString("x2", CultureInfo.InvariantCulture));
            }
        }

        output.Append('\n');
    }
}
