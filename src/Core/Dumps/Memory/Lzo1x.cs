namespace Kdumpd.Core.Dumps.Memory;

/// <summary>
/// LZO1X decompression (what makedumpfile -l writes through liblzo2's lzo1x_1_compress), bounds
/// checked on every read and write: a corrupt page gives false, never an out-of-range access.
/// The kernel-only run-length variant (lzo-rle) is not a makedumpfile format and is not decoded.
/// </summary>
public static class Lzo1x
{
    private const int M2MaxOffset = 0x0800;

    /// <summary>Decompresses <paramref name="src"/> into <paramref name="dst"/>; returns the bytes written, or -1 when the stream is invalid.</summary>
    public static int Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var ip = 0;
        var op = 0;
        int state;
        int t;
        int next;
        int matchPos;

        if (src.Length == 0)
        {
            return -1;
        }

        if (src[0] > 17)
        {
            t = src[ip++] - 17;
            if (!CopyLiterals(src, ref ip, dst, ref op, t))
            {
                return -1;
            }

            state = t < 4 ? t : 4;
        }
        else
        {
            state = 0;
        }

        while (true)
        {
            if (ip >= src.Length)
            {
                return -1;
            }

            t = src[ip++];
            if (t < 16)
            {
                if (state == 0)
                {
                    // A literal run of 3.. bytes; 0 extends the length by 255 per zero byte.
                    if (t == 0)
                    {
                        if (!ReadRun(src, ref ip, 15, out t))
                        {
                            return -1;
                        }
                    }

                    if (!CopyLiterals(src, ref ip, dst, ref op, t + 3))
                    {
                        return -1;
                    }

                    state = 4;
                    continue;
                }

                if (ip >= src.Length)
                {
                    return -1;
                }

                next = t & 3;
                if (state != 4)
                {
                    // Two-byte match right after a short literal run.
                    matchPos = op - 1 - (t >> 2) - (src[ip++] << 2);
                    if (!CopyMatch(dst, ref op, matchPos, 2))
                    {
                        return -1;
                    }
                }
                else
                {
                    matchPos = op - (1 + M2MaxOffset) - (t >> 2) - (src[ip++] << 2);
                    if (!CopyMatch(dst, ref op, matchPos, 3))
                    {
                        return -1;
                    }
                }
            }
            else if (t >= 64)
            {
                if (ip >= src.Length)
                {
                    return -1;
                }

                next = t & 3;
                matchPos = op - 1 - ((t >> 2) & 7) - (src[ip++] << 3);
                if (!CopyMatch(dst, ref op, matchPos, (t >> 5) + 1))
                {
                    return -1;
                }
            }
            else if (t >= 32)
            {
                if (!ReadLongMatch(src, ref ip, t & 31, 31, out var length, out var word))
                {
                    return -1;
                }

                matchPos = op - 1 - (word >> 2);
                next = word & 3;
                if (!CopyMatch(dst, ref op, matchPos, length))
                {
                    return -1;
                }
            }
            else
            {
                // 16..31: a far match (distance 16 KiB..48 KiB); distance 0 marks the end of the stream.
                var far = (t & 8) << 11;
                if (!ReadLongMatch(src, ref ip, t & 7, 7, out var length, out var word))
                {
                    return -1;
                }

                next = word & 3;
                var distance = far + (word >> 2);
                if (distance == 0)
                {
                    return length == 3 ? op : -1;
                }

                matchPos = op - distance - 0x4000;
                if (!CopyMatch(dst, ref op, matchPos, length))
                {
                    return -1;
                }
            }

            // 0..3 literals follow a match; they also set the state for the next short match.
            state = next;
            if (!CopyLiterals(src, ref ip, dst, ref op, next))
            {
                return -1;
            }
        }
    }

    /// <summary>
    /// The length and the little-endian distance word of an M3 or M4 match: the length is in the
    /// tag's low bits (<paramref name="tagLength"/>; zero means a run follows, biased by
    /// <paramref name="runBias"/>), plus 2; the two bytes after it hold the distance and the next literal count.
    /// </summary>
    private static bool ReadLongMatch(ReadOnlySpan<byte> src, ref int ip, int tagLength, int runBias, out int length, out int word)
    {
        length = tagLength + 2;
        word = 0;
        if (tagLength == 0)
        {
            if (!ReadRun(src, ref ip, runBias, out var run))
            {
                return false;
            }

            length += run;
        }

        if (ip + 2 > src.Length)
        {
            return false;
        }

        word = src[ip] | (src[ip + 1] << 8);
        ip += 2;
        return true;
    }

    /// <summary>Reads a length extension: each zero byte adds 255, the final non-zero byte adds itself, plus <paramref name="bias"/>.</summary>
    private static bool ReadRun(ReadOnlySpan<byte> src, ref int ip, int bias, out int length)
    {
        long total = 0;
        while (ip < src.Length && src[ip] == 0)
        {
            total += 255;
            ip++;
            if (total > int.MaxValue / 2)
            {
                length = 0;
                return false;
            }
        }

        if (ip >= src.Length)
        {
            length = 0;
            return false;
        }

        length = (int)(total + bias + src[ip++]);
        return true;
    }

    private static bool CopyLiterals(ReadOnlySpan<byte> src, ref int ip, Span<byte> dst, ref int op, int count)
    {
        if (count < 0 || count > src.Length - ip || count > dst.Length - op)
        {
            return false;
        }

        src.Slice(ip, count).CopyTo(dst[op..]);
        ip += count;
        op += count;
        return true;
    }

    private static bool CopyMatch(Span<byte> dst, ref int op, int from, int count)
    {
        if (from < 0 || from >= op || count > dst.Length - op)
        {
            return false;
        }

        // Overlapping copies repeat the pattern, so byte by byte.
        for (var i = 0; i < count; i++)
        {
            dst[op + i] = dst[from + i];
        }

        op += count;
        return true;
    }
}
