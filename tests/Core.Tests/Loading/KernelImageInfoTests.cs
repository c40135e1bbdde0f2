using System.Buffers.Binary;
using Kdumpd.Core.Loading;

namespace Kdumpd.Core.Tests.Loading;

public sealed class KernelImageInfoTests
{
    [Fact]
    public void Real_debian_bzImage_header_gives_init_size_and_release()
    {
        var head = File.ReadAllBytes(Fixtures.KernelHead);

        var info = KernelImageInfo.Parse(head, fileBytes: 8_247_232);

        info.Format.Should().Be("bzImage");
        info.MemoryBytes.Should().Be(0x3f98000);
        info.Release.Should().Be("6.1.0-56-amd64");
        info.Version.Should().StartWith("6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2");
    }

    [Fact]
    public void Arm64_Image_header_gives_image_size()
    {
        var head = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(16), 40 * 1024 * 1024);
        "ARM\x64"u8.CopyTo(head.AsSpan(56));

        var info = KernelImageInfo.Parse(head, fileBytes: 30 * 1024 * 1024);

        info.Format.Should().Be("arm64 Image");
        info.MemoryBytes.Should().Be(40 * 1024 * 1024);
    }

    [Fact]
    public void Anything_else_counts_as_its_file_size()
    {
        var info = KernelImageInfo.Parse("not a kernel"u8, fileBytes: 12);

        info.Should().Be(new KernelImageInfo("unknown", 12, 12, null));
    }

    [Fact]
    public void A_bzImage_cut_short_before_its_version_string_still_gives_init_size()
    {
        var head = File.ReadAllBytes(Fixtures.KernelHead).AsSpan(0, 0x1000);

        var info = KernelImageInfo.Parse(head, fileBytes: 8_247_232);

        info.MemoryBytes.Should().Be(0x3f98000);
        info.Version.Should().BeNull();
    }
}
