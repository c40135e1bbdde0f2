using Kdumpd.Core.Dumps;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Tests.Dumps;

public sealed class SyntheticFormatTests
{
    private static readonly (ulong, ulong)[] _twoLoads = [(0x100000, 0x10000), (0x200000, 0x8000)];

    private static DumpHeaderInfo Probe(byte[] bytes) => DumpProbe.Probe(new MemoryDumpSource("test.dump", bytes));

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1 << 20)]
    [InlineData(0)]
    public void A_kdump_header_with_impossible_bitmap_blocks_is_never_called_complete(int bitmapBlocks)
    {
        var bytes = SyntheticDumps.Kdump();
        Probe(bytes).Incomplete.Should().BeFalse("the unmodified synthetic dump is complete");
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(424 + 12), bitmapBlocks); // disk_dump_header.bitmap_blocks

        var info = Probe(bytes);

        info.Incomplete.Should().BeTrue();
        info.IncompleteReason.Should().Contain("bitmap_blocks").And.Contain("impossible header");
    }

    private static byte[] WithData(byte[] header, long data) => [.. header, .. new byte[data]];

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void Elf_vmcores_of_both_classes_and_byte_orders_are_read(bool is64, bool bigEndian)
    {
        var bytes = WithData(SyntheticDumps.ElfHeader(_twoLoads, cpus: 3, is64: is64, bigEndian: bigEndian), 0x18000);

        var info = Probe(bytes);

        info.Format.Should().Be(DumpFormat.Elf);
        info.Elf!.Is64Bit.Should().Be(is64);
        info.Elf.BigEndian.Should().Be(bigEndian);
        info.Loads.Select(l => (l.PhysicalAddress, l.MemorySize)).Should().Equal(_twoLoads);
        info.CpuCount.Should().Be(3);
        info.KernelRelease.Should().Be(SyntheticDumps.Release);
        info.CrashTime.Should().Be(DateTimeOffset.FromUnixTimeSeconds(SyntheticDumps.CrashTime));
        info.KernelOffset.Should().Be(0x1f400000);
        info.BuildId.Should().Be("0123456789abcdef0123456789abcdef01234567");
        info.Incomplete.Should().BeFalse();
    }

    [Fact]
    public void Elf_incomplete_flag_from_makedumpfile_E_marks_the_dump_incomplete()
    {
        var info = Probe(WithData(SyntheticDumps.ElfHeader(_twoLoads, flags: 1), 0x18000));

        info.Incomplete.Should().BeTrue();
        info.IncompleteReason.Should().Contain("DUMP_ELF_INCOMPLETE");
    }

    [Fact]
    public void Elf_cut_before_its_last_load_is_incomplete()
    {
        var info = Probe(WithData(SyntheticDumps.ElfHeader(_twoLoads), 0x17000));

        info.Incomplete.Should().BeTrue();
        info.IncompleteReason.Should().Contain("truncated");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Kdump_sub_header_fields_appear_by_header_version(int version)
    {
        var info = Probe(SyntheticDumps.Kdump(version: version));

        var sub = info.Kdump!.SubHeader!;
        info.DumpLevel.Should().Be(31);
        sub.Split.HasValue.Should().Be(version >= 2);
        sub.OffsetVmcoreinfo.HasValue.Should().Be(version >= 3);
        sub.OffsetNote.HasValue.Should().Be(version >= 4);
        sub.OffsetEraseinfo.HasValue.Should().Be(version >= 5);
        sub.MaxMapnr64.HasValue.Should().Be(version >= 6);
        info.KernelRelease.Should().Be(SyntheticDumps.Release, "from VMCOREINFO (v3+) or the utsname release (v1, v2)");
        info.CpuCount.Should().Be(2);
        info.Hostname.Should().Be("crashed-host");
        if (version >= 3)
        {
            info.PageSize.Should().Be(4096);
            info.BuildId.Should().NotBeNull();
        }
    }

    [Theory]
    [InlineData(0x0u, DumpCompression.None)]
    [InlineData(0x1u, DumpCompression.Zlib)]
    [InlineData(0x2u, DumpCompression.Lzo)]
    [InlineData(0x4u, DumpCompression.Snappy)]
    [InlineData(0x20u, DumpCompression.Zstd)]
    [InlineData(0x30u, DumpCompression.Zstd)]
    [InlineData(0x3u, DumpCompression.Mixed)]
    public void Kdump_compression_is_identified_from_the_status_bits(uint status, DumpCompression expected)
    {
        Probe(SyntheticDumps.Kdump(status: status)).Compression.Should().Be(expected);
    }

    [Fact]
    public void Kdump_incomplete_status_bit_marks_the_dump_incomplete()
    {
        var info = Probe(SyntheticDumps.Kdump(status: 0x2 | 0x8));

        info.Incomplete.Should().BeTrue();
        info.IncompleteReason.Should().Contain("0x8");
    }

    [Fact]
    public void Big_endian_kdump_headers_are_read()
    {
        var info = Probe(SyntheticDumps.Kdump(bigEndian: true));

        info.Kdump!.BigEndian.Should().BeTrue();
        info.CpuCount.Should().Be(2);
        info.DumpLevel.Should().Be(31);
        info.KernelRelease.Should().Be(SyntheticDumps.Release);
        info.Incomplete.Should().BeFalse();
    }

    [Fact]
    public void Old_diskdump_signature_is_recognised()
    {
        var info = Probe(SyntheticDumps.Kdump(signature: "DISKDUMP"));

        info.Format.Should().Be(DumpFormat.DiskDump);
        info.KernelRelease.Should().Be(SyntheticDumps.Release);
    }

    [Fact]
    public void Kdump_file_cut_in_its_page_data_is_incomplete()
    {
        var whole = SyntheticDumps.Kdump(dumpable: 8);

        var info = Probe(whole[..^100]);

        info.Incomplete.Should().BeTrue();
        info.IncompleteReason.Should().Contain("past the end");
    }

    [Fact]
    public void Flattened_kdump_is_read_through_out_of_order_records()
    {
        var plain = SyntheticDumps.Kdump();

        var info = Probe(SyntheticDumps.Flatten(plain, recordSize: 1000));

        info.Format.Should().Be(DumpFormat.FlattenedKdump);
        info.KernelRelease.Should().Be(SyntheticDumps.Release);
        info.Incomplete.Should().BeFalse(info.IncompleteReason);
    }

    [Fact]
    public void Flattened_file_without_its_end_marker_is_incomplete()
    {
        var info = Probe(SyntheticDumps.Flatten(SyntheticDumps.Kdump(), endMarker: false));

        info.Incomplete.Should().BeTrue();
        info.IncompleteReason.Should().Contain("end marker");
    }

    [Fact]
    public void Flattened_elf_is_read_through_its_records()
    {
        var plain = WithData(SyntheticDumps.ElfHeader(_twoLoads), 0x18000);

        var info = Probe(SyntheticDumps.Flatten(plain));

        info.Format.Should().Be(DumpFormat.FlattenedElf);
        info.Loads.Should().HaveCount(2);
        info.Incomplete.Should().BeFalse(info.IncompleteReason);
    }

    [Fact]
    public void A_later_flattened_record_overrides_an_earlier_one_like_makedumpfile_R()
    {
        var plain = SyntheticDumps.Kdump(status: 0x2);
        var flat = SyntheticDumps.Flatten(plain).ToList();

        // makedumpfile rewrites the header at the end when the dump is incomplete: append a record
        // with status |= 0x8 before the end marker.
        var header = plain[..464];
        header[424] |= 0x8;
        var record = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), header.Length);
        flat.InsertRange(flat.Count - 16, [.. record, .. header]);

        Probe([.. flat]).Incomplete.Should().BeTrue();
    }

    [Fact]
    public void Gzipped_flattened_debian_dump_is_read_from_its_decompressed_prefix()
    {
        using var gz = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(SyntheticDumps.Flatten(SyntheticDumps.Kdump(status: 0x1)));
        }

        var info = Probe(gz.ToArray());

        info.Format.Should().Be(DumpFormat.FlattenedKdump);
        info.Compression.Should().Be(DumpCompression.Gzip);
        info.KernelRelease.Should().Be(SyntheticDumps.Release);
        info.Incomplete.Should().BeFalse();
    }

    [Fact]
    public void Corrupt_gzip_gives_a_typed_error()
    {
        var act = () => Probe([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);

        act.Should().Throw<InvalidFormatException>();
    }

    [Theory]
    [InlineData("\u00fd7zXZ\u0000", DumpCompression.Xz)]
    [InlineData("BZh9", DumpCompression.Bzip2)]
    public void Whole_file_compressed_debian_dumps_are_identified(string magic, DumpCompression expected)
    {
        var bytes = magic.Select(c => (byte)c).Concat(new byte[64]).ToArray();

        var info = Probe(bytes);

        info.Format.Should().Be(DumpFormat.WholeFileCompressed);
        info.Compression.Should().Be(expected);
    }

    [Fact]
    public void Elf_with_a_huge_program_header_count_is_refused_without_allocating_it()
    {
        var bytes = WithData(SyntheticDumps.ElfHeader(_twoLoads), 0x18000);
        bytes[56] = 0xfe;
        bytes[57] = 0xff;

        var act = () => Probe(bytes);

        act.Should().Throw<InvalidFormatException>().Where(e => e.File == "test.dump" && e.What.Contains("program header table"));
    }

    [Fact]
    public void Kdump_with_a_64_bit_vmcoreinfo_size_is_refused_with_file_and_offset()
    {
        var bytes = SyntheticDumps.Kdump();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4096 + 40), ulong.MaxValue - 5);

        var act = () => Probe(bytes);

        act.Should().Throw<InvalidFormatException>().WithMessage("test.dump: *VMCOREINFO*");
    }

    [Fact]
    public void Unknown_signature_gives_a_typed_error()
    {
        var act = () => Probe("hello, not a dump"u8.ToArray());

        act.Should().Throw<InvalidFormatException>().Where(e => e.Offset == 0 && e.What.Contains("unrecognised"));
    }
}
