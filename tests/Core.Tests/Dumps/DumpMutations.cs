using System.Buffers.Binary;
using CsCheck;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// Mutated dump headers for fuzzing the readers: bit flips, interesting bytes, 32/64-bit length
/// fields blown up (both byte orders) and truncations, aimed mostly at the header areas (block 0,
/// the sub-header block, the flattened record headers). Shared with tests/fuzz.
/// </summary>
public static class DumpMutations
{
    private static readonly byte[] _interestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
    private static readonly ulong[] _interestingWords = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff, 0x8000000000000000, ulong.MaxValue, 4096, 0x100000000];

    /// <summary>Seeds: real fixture headers when present, plus synthetic files of every format.</summary>
    public static IReadOnlyList<byte[]> Seeds(string? fixturesDumps)
    {
        (ulong, ulong)[] loads = [(0x100000, 0x4000), (0x200000, 0x2000)];
        var elf = SyntheticDumps.ElfHeader(loads);
        List<byte[]> seeds =
        [
            [.. elf, .. new byte[0x6000]],
            [.. SyntheticDumps.ElfHeader(loads, is64: false, bigEndian: true), .. new byte[0x6000]],
            SyntheticDumps.Kdump(),
            SyntheticDumps.Kdump(version: 3, bigEndian: true),
            SyntheticDumps.Flatten(SyntheticDumps.Kdump(), recordSize: 1500),
            SyntheticDumps.Flatten([.. elf, .. new byte[0x6000]], recordSize: 512),
            Gzip(SyntheticDumps.Flatten(SyntheticDumps.Kdump(), recordSize: 2048)),
        ];
        if (fixturesDumps is not null && Directory.Exists(fixturesDumps))
        {
            seeds.Add(Head(Path.Join(fixturesDumps, "qemu-6.1-variants", "vmcore-elf-prefix.bin"), 8192));
            seeds.Add(Head(Path.Join(fixturesDumps, "qemu-6.1-variants", "dump-lzo.kdump"), 128 * 1024));
            seeds.Add(Head(Path.Join(fixturesDumps, "qemu-6.1-variants", "dump-zlib.kdump"), 128 * 1024));
            seeds.Add(Head(Path.Join(fixturesDumps, "qemu-6.1-variants", "dump-lzo.flat"), 128 * 1024));
        }

        return seeds;
    }

    public static Gen<byte[]> Mutated(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.ULong.Array[1, 10])
            .Select(t => Mutate(seeds[t.Item1], t.Item2));

    /// <summary>Applies one mutation per random word: kind, position and value all come from it.</summary>
    public static byte[] Mutate(byte[] seed, ulong[] words)
    {
        var bytes = (byte[])seed.Clone();
        var length = bytes.Length;
        foreach (var r in words)
        {
            if (length == 0)
            {
                break;
            }

            var pos = Position(r, length);
            var value = r >> 40;
            switch (r % 6)
            {
                case 0:
                    bytes[pos] ^= (byte)(1 << (int)(value % 8));
                    break;
                case 1:
                    bytes[pos] = _interestingBytes[value % (ulong)_interestingBytes.Length];
                    break;
                case 2 when pos + 4 <= length:
                    Write32(bytes.AsSpan(pos), (uint)_interestingWords[value % (ulong)_interestingWords.Length], (value & 0x100) != 0);
                    break;
                case 3 when pos + 8 <= length:
                    Write64(bytes.AsSpan(pos), _interestingWords[value % (ulong)_interestingWords.Length], (value & 0x100) != 0);
                    break;
                case 4:
                    length = pos;
                    break;
                default:
                    bytes[pos] = (byte)value;
                    break;
            }
        }

        return length == bytes.Length ? bytes : bytes[..length];
    }

    /// <summary>40 % in block 0's first 512 bytes, 30 % in the second block (sub-header, flat records), 30 % anywhere.</summary>
    private static int Position(ulong r, int length)
    {
        var bucket = (r >> 3) % 10;
        var raw = (int)((r >> 8) & 0x7fffffff);
        var pos = bucket switch
        {
            < 4 => raw % 512,
            < 7 => 4096 + (raw % 512),
            _ => raw % length,
        };
        return Math.Min(pos, length - 1);
    }

    private static void Write32(Span<byte> s, uint v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt32BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, v);
        }
    }

    private static void Write64(Span<byte> s, ulong v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt64BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s, v);
        }
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static byte[] Head(string path, int bytes)
    {
        using var f = File.OpenRead(path);
        var buffer = new byte[Math.Min(bytes, f.Length)];
        f.ReadExactly(buffer);
        return buffer;
    }
}
