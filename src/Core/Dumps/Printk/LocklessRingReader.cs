using System.Buffers.Binary;
using System.Text;
using Kdumpd.Core.Dumps.Memory;

namespace Kdumpd.Core.Dumps.Printk;

/// <summary>
/// Reads the lockless printk ring buffer (5.10+): `prb` points to a printk_ringbuffer whose
/// desc_ring (descs, infos, head/tail ids) and text_data_ring describe the records; every
/// offset comes from VMCOREINFO. Records are walked from tail_id to head_id like makedumpfile;
/// only committed and finalized descriptors are printed; a data block that wraps starts at 0.
/// </summary>
public static class LocklessRingReader
{
    /// <summary>Ring sizes beyond these are not a kernel's (log_buf_len tops out at 2 GiB; we stop far below).</summary>
    public const int MaxCountBits = 24;
    public const int MaxSizeBits = 28;

    private const ulong DescIdMask = ~(3UL << 62);
    private const int StateShift = 62;
    private const ulong Committed = 1, Finalized = 2;

    public static bool Applies(VmcoreInfo info) => info.Symbol("prb") is not null;

    public static DmesgExtraction Read(VmcoreInfo info, KernelMemory memory)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(memory);
        var missing = new List<string>();
        long Need(long? v, string name)
        {
            if (v is null)
            {
                missing.Add(name);
            }

            return v ?? 0;
        }

        var rbSize = Need(info.Size("printk_ringbuffer"), "SIZE(printk_ringbuffer)");
        var descRingAt = Need(info.Offset("printk_ringbuffer.desc_ring"), "OFFSET(printk_ringbuffer.desc_ring)");
        var textRingAt = Need(info.Offset("printk_ringbuffer.text_data_ring"), "OFFSET(printk_ringbuffer.text_data_ring)");
        var countBitsAt = Need(info.Offset("prb_desc_ring.count_bits"), "OFFSET(prb_desc_ring.count_bits)");
        var descsAt = Need(info.Offset("prb_desc_ring.descs"), "OFFSET(prb_desc_ring.descs)");
        var infosAt = Need(info.Offset("prb_desc_ring.infos"), "OFFSET(prb_desc_ring.infos)");
        var headAt = Need(info.Offset("prb_desc_ring.head_id"), "OFFSET(prb_desc_ring.head_id)");
        var tailAt = Need(info.Offset("prb_desc_ring.tail_id"), "OFFSET(prb_desc_ring.tail_id)");
        var descSize = Need(info.Size("prb_desc"), "SIZE(prb_desc)");
        var stateAt = Need(info.Offset("prb_desc.state_var"), "OFFSET(prb_desc.state_var)");
        var lposAt = Need(info.Offset("prb_desc.text_blk_lpos"), "OFFSET(prb_desc.text_blk_lpos)");
        var beginAt = Need(info.Offset("prb_data_blk_lpos.begin"), "OFFSET(prb_data_blk_lpos.begin)");
        var nextAt = Need(info.Offset("prb_data_blk_lpos.next"), "OFFSET(prb_data_blk_lpos.next)");
        var infoSize = Need(info.Size("printk_info"), "SIZE(printk_info)");
        var tsAt = Need(info.Offset("printk_info.ts_nsec"), "OFFSET(printk_info.ts_nsec)");
        var lenAt = Need(info.Offset("printk_info.text_len"), "OFFSET(printk_info.text_len)");
        var sizeBitsAt = Need(info.Offset("prb_data_ring.size_bits"), "OFFSET(prb_data_ring.size_bits)");
        var dataAt = Need(info.Offset("prb_data_ring.data"), "OFFSET(prb_data_ring.data)");
        var counter = info.Offset("atomic_long_t.counter") ?? 0;
        if (missing.Count > 0)
        {
            return DmesgExtraction.Failed($"VMCOREINFO has SYMBOL(prb) but lacks {string.Join(", ", missing)}");
        }

        if (rbSize is <= 0 or > 4096 || descSize is <= 0 or > 4096 || infoSize is <= 0 or > 4096)
        {
            return DmesgExtraction.Failed($"printk ring structure sizes are implausible (printk_ringbuffer {rbSize}, prb_desc {descSize}, printk_info {infoSize})");
        }

        if (stateAt + counter + 8 > descSize || lposAt + Math.Max(beginAt, nextAt) + 8 > descSize || tsAt + 8 > infoSize || lenAt + 2 > infoSize)
        {
            return DmesgExtraction.Failed("VMCOREINFO's prb_desc / printk_info offsets lie outside their structure sizes");
        }

        var rbAddress = memory.ReadU64(info.Symbol("prb")!.Value, "prb pointer");
        var rb = new byte[rbSize];
        memory.Read(rbAddress, rb, "struct printk_ringbuffer");
        var countBits = U32(rb, descRingAt + countBitsAt, "count_bits");
        var sizeBits = U32(rb, textRingAt + sizeBitsAt, "size_bits");
        if (countBits > MaxCountBits || sizeBits > MaxSizeBits)
        {
            return DmesgExtraction.Failed($"printk ring is corrupt: desc_ring.count_bits {countBits} (max {MaxCountBits}), text_data_ring.size_bits {sizeBits} (max {MaxSizeBits})", memory.Pages.PagesRead);
        }

        var count = 1L << (int)countBits;
        var textSize = 1L << (int)sizeBits;
        var descs = new byte[count * descSize];
        memory.Read(U64(rb, descRingAt + descsAt, "descs"), descs, "prb desc_ring.descs");
        var infos = new byte[count * infoSize];
        memory.Read(U64(rb, descRingAt + infosAt, "infos"), infos, "prb desc_ring.infos");
        var text = new byte[textSize];
        memory.Read(U64(rb, textRingAt + dataAt, "data"), text, "prb text_data_ring.data");
        var tail = U64(rb, descRingAt + tailAt + counter, "tail_id");
        var head = U64(rb, descRingAt + headAt + counter, "head_id");

        var output = new StringBuilder((int)Math.Min(textSize * 2, 1 << 24));
        var records = 0;
        string? problem = null;
        var steps = 0L;
        var id = tail;
        while (true)
        {
            var d = descs.AsSpan((int)((long)(id % (ulong)count) * descSize), (int)descSize);
            var state = BinaryPrimitives.ReadUInt64LittleEndian(d[(int)(stateAt + counter)..]);
            var stateValue = (state & DescIdMask) == id ? state >> StateShift : ulong.MaxValue;
            if (stateValue is Committed or Finalized)
            {
                var begin = BinaryPrimitives.ReadUInt64LittleEndian(d[(int)(lposAt + beginAt)..]) % (ulong)textSize;
                var next = BinaryPrimitives.ReadUInt64LittleEndian(d[(int)(lposAt + nextAt)..]) % (ulong)textSize;
                if (begin != next)
                {
                    var inf = infos.AsSpan((int)((long)(id % (ulong)count) * infoSize), (int)infoSize);
                    ulong textLen = BinaryPrimitives.ReadUInt16LittleEndian(inf[(int)lenAt..]);
                    if (begin > next)
                    {
                        begin = 0; // the block wrapped: its text starts at the ring's beginning
                    }

                    begin += 8; // each data block starts with its descriptor id
                    if (begin > next)
                    {
                        textLen = 0;
                    }
                    else if (next - begin < textLen)
                    {
                        textLen = next - begin;
                    }

                    textLen = Math.Min(textLen, (ulong)textSize - Math.Min(begin, (ulong)textSize));

                    DmesgText.AppendRecord(output, BinaryPrimitives.ReadUInt64LittleEndian(inf[(int)tsAt..]), text.AsSpan((int)begin, (int)textLen));
                    records++;
                }
            }

            if (id == head)
            {
                break;
            }

            id = (id + 1) & DescIdMask;
            if (++steps > count)
            {
                problem = $"printk ring is corrupt: head_id 0x{head:x} is more than {count} descriptors after tail_id 0x{tail:x}; stopped after {count}";
                break;
            }
        }

        return new DmesgExtraction(output.ToString(), PrintkLayout.Lockless, records, problem, memory.Pages.PagesRead);
    }

    private static uint U32(byte[] b, long at, string field) =>
        at >= 0 && at + 4 <= b.Length ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at)) : throw new MemoryNotInDumpException($"printk_ringbuffer.{field} offset {at} is outside the structure", 0, "VMCOREINFO offsets are inconsistent");

    private static ulong U64(byte[] b, long at, string field) =>
        at >= 0 && at + 8 <= b.Length ? BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)at)) : throw new MemoryNotInDumpException($"printk_ringbuffer.{field} offset {at} is outside the structure", 0, "VMCOREINFO offsets are inconsistent");
}
