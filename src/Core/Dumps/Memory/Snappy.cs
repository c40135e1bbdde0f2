namespace Kdumpd.Core.Dumps.Memory;

/// <summary>Snappy block decompression (makedumpfile -p), bounds checked: a corrupt page gives -1.</summary>
public static class Snappy
{
    /// <summary>Decompresses one Snappy block; returns the bytes written or -1 when the block is invalid or does not fit.</summary>
    public static int Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var ip = 0;
        ulong expected = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (ip >= src.Length || shift > 28)
            {
                return -1;
            }

            var b = src[ip++];
            expected |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        if (expected > (ulong)dst.Length)
        {
            return -1;
        }

        var op = 0;
        while (ip < src.Length)
        {
            var tag = src[ip++];
            int length;
            int offset;
            switch (tag & 3)
            {
                case 0:
                    length = (tag >> 2) + 1;
                    if (length > 60)
                    {
                        // 61..64: the length-1 follows in 1..4 little-endian bytes.
                        var bytes = length - 60;
                        if (ip + bytes > src.Length)
                        {
                            return -1;
                        }

                        long l = 0;
                        for (var i = 0; i < bytes; i++)
                        {
                            l |= (long)src[ip + i] << (8 * i);
                        }

                        ip += bytes;
                        if (l + 1 > dst.Length)
                        {
                            return -1;
                        }

                        length = (int)l + 1;
                    }

                    if (length > src.Length - ip || length > dst.Length - op)
                    {
                        return -1;
                    }

                    src.Slice(ip, length).CopyTo(dst[op..]);
                    ip += length;
                    op += length;
                    continue;
                case 1:
                    if (ip >= src.Length)
                    {
                        return -1;
                    }

                    length = ((tag >> 2) & 7) + 4;
                    offset = ((tag >> 5) << 8) | src[ip++];
                    break;
                case 2:
                    if (ip + 2 > src.Length)
                    {
                        return -1;
                    }

                    length = (tag >> 2) + 1;
                    offset = src[ip] | (src[ip + 1] << 8);
                    ip += 2;
                    break;
                default:
                    if (ip + 4 > src.Length)
                    {
                        return -1;
                    }

                    length = (tag >> 2) + 1;
                    var o = (uint)(src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24));
                    ip += 4;
                    if (o > int.MaxValue)
                    {
                        return -1;
                    }

                    offset = (int)o;
                    break;
            }

            if (offset <= 0 || offset > op || length > dst.Length - op)
            {
                return -1;
            }

            for (var i = 0; i < length; i++)
            {
                dst[op + i] = dst[op - offset + i];
            }

            op += length;
        }

        return (ulong)op == expected ? op : -1;
    }
}
