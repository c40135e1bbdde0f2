using System.Buffers.Binary;
using System.Text;
using Kdumpd.Core.Dumps.Memory;

namespace Kdumpd.Core.Dumps.Printk;

/// <summary>
/// Reads the printk buffer of kernels before 5.10. From 3.5: `log_buf` holds variable-length
/// struct printk_log records (SIZE/OFFSET under "printk_log", or "log" before 3.11) from
/// log_first_idx to log_next_idx; a record of length 0 means "wrap to the start". Before 3.5:
/// a character ring ending at log_end, written out as is. Both as makedumpfile does.
/// </summary>
public static class LogBufReader
{
    /// <summary>log_buf_len beyond this is not a kernel's.</summary>
    public const long MaxLogBufLen = 1L << 28;

    public static bool Applies(VmcoreInfo info) => info.Symbol("log_buf") is not null && info.Symbol("log_buf_len") is not null;

    public static DmesgExtraction Read(VmcoreInfo info, KernelMemory memory)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(memory);
        var logBuf = memory.ReadU64(info.Symbol("log_buf")!.Value, "log_buf pointer");
        var len = (long)(int)memory.ReadU32(info.Symbol("log_buf_len")!.Value, "log_buf_len");
        if (len is <= 0 or > MaxLogBufLen)
        {
            return DmesgExtraction.Failed($"log_buf_len {len} is outside 1..{MaxLogBufLen}: corrupt", memory.Pages.PagesRead);
        }

        return info.Symbol("log_end") is { } logEnd
            ? Characters(memory, logBuf, len, memory.ReadU32(logEnd, "log_end"))
            : Records(info, memory, logBuf, len);
    }

    private static DmesgExtraction Characters(KernelMemory memory, ulong logBuf, long len, uint logEnd)
    {
        byte[] text;
        if (logEnd < len)
        {
            text = new byte[logEnd];
            memory.Read(logBuf, text, "log_buf");
        }
        else
        {
            // Wrapped: the oldest text starts at log_end within the ring.
            var index = logEnd & (len - 1);
            text = new byte[len];
            memory.Read(logBuf + (ulong)index, text.AsSpan(0, (int)(len - index)), "log_buf (older part)");
            memory.Read(logBuf, text.AsSpan((int)(len - index)), "log_buf (newer part)");
        }

        return new DmesgExtraction(Encoding.Latin1.GetString(text), PrintkLayout.Characters, 0, null, memory.Pages.PagesRead);
    }

    private static DmesgExtraction Records(VmcoreInfo info, KernelMemory memory, ulong logBuf, long len)
    {
        var size = info.Size("printk_log") ?? info.Size("log");
        var prefix = info.Size("printk_log") is not null ? "printk_log" : "log";
        var tsAt = info.Offset($"{prefix}.ts_nsec");
        var lenAt = info.Offset($"{prefix}.len");
        var textLenAt = info.Offset($"{prefix}.text_len");
        var callerAt = info.Offset($"{prefix}.caller_id");
        if (size is null or <= 0 or > 256 || tsAt is null || lenAt is null || textLenAt is null || info.Symbol("log_first_idx") is not { } firstSym || info.Symbol("log_next_idx") is not { } nextSym)
        {
            return DmesgExtraction.Failed("VMCOREINFO has log_buf but lacks SIZE(printk_log), OFFSET(printk_log.ts_nsec/len/text_len), SYMBOL(log_first_idx) or SYMBOL(log_next_idx)");
        }

        if (tsAt + 8 > size || lenAt + 2 > size || textLenAt + 2 > size || (callerAt is { } c && c + 4 > size))
        {
            return DmesgExtraction.Failed("VMCOREINFO's printk_log offsets lie outside SIZE(printk_log)");
        }

        var first = memory.ReadU32(firstSym, "log_first_idx");
        var nextIdx = memory.ReadU32(nextSym, "log_next_idx");
        var buffer = new byte[len];
        memory.Read(logBuf, buffer, "log_buf");
        var header = (int)size.Value;
        if (first > len - header || nextIdx > len)
        {
            return new DmesgExtraction(string.Empty, PrintkLayout.Records, 0, $"log_first_idx {first} or log_next_idx {nextIdx} lies outside log_buf ({len} bytes): corrupt", memory.Pages.PagesRead);
        }

        var output = new StringBuilder();
        var records = 0;
        string? problem = null;
        var ptr = (long)first;
        var maxRecords = (len / header) + 1;
        while (ptr != nextIdx)
        {
            var recordLen = Len(buffer, ptr, lenAt.Value);
            var at = recordLen == 0 ? 0 : ptr; // a zero length marks the wrap: this record is the first in the buffer
            var textLen = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan((int)(at + textLenAt.Value)));
            var ts = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan((int)(at + tsAt.Value)));
            uint? caller = callerAt is { } ca ? BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan((int)(at + ca))) : null;
            var textStart = at + header;
            var available = (int)Math.Max(0, Math.Min(textLen, len - textStart));
            DmesgText.AppendRecord(output, ts, buffer.AsSpan((int)textStart, available), caller);
            records++;
            var step = Len(buffer, at, lenAt.Value);
            if (step == 0)
            {
                problem = $"log_buf record at {at} has length 0 twice: corrupt";
                break;
            }

            ptr = at + step;
            if (ptr < 0 || ptr > len - header)
            {
                problem = $"log_buf record at {at} points outside log_buf (next index {ptr}): corrupt";
                break;
            }

            if (records > maxRecords)
            {
                problem = "log_buf records form a cycle: corrupt";
                break;
            }
        }

        return new DmesgExtraction(output.ToString(), PrintkLayout.Records, records, problem, memory.Pages.PagesRead);
    }

    private static int Len(byte[] buffer, long at, long lenAt) => BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan((int)(at + lenAt)));
}
