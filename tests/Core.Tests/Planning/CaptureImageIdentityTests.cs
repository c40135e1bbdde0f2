using System.Buffers.Binary;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Planning;

public sealed class CaptureImageIdentityTests
{
    [Fact]
    public void Real_debian_bzImage_header_gives_init_size()
    {
        var head = File.ReadAllBytes(Tests.Loading.Fixtures.KernelHead);

        CaptureImageIdentity.LoadedSize(head, fileBytes: 8_247_232).Should().Be(0x3f98000UL);
    }

    [Fact]
    public void A_bzImage_cut_short_after_its_setup_header_still_gives_init_size()
    {
        var head = File.ReadAllBytes(Tests.Loading.Fixtures.KernelHead).AsSpan(0, 0x264);

        CaptureImageIdentity.LoadedSize(head, fileBytes: 8_247_232).Should().Be(0x3f98000UL);
    }

    [Fact]
    public void Arm64_Image_header_gives_image_size()
    {
        var head = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(16), 40 * 1024 * 1024);
        "ARM\x64"u8.CopyTo(head.AsSpan(56));

        CaptureImageIdentity.LoadedSize(head, fileBytes: 30 * 1024 * 1024).Should().Be(40UL * 1024 * 1024);
    }

    [Fact]
    public void An_arm64_Image_without_image_size_counts_as_its_file_size()
    {
        var head = new byte[64];
        "ARM\x64"u8.CopyTo(head.AsSpan(56));

        CaptureImageIdentity.LoadedSize(head, fileBytes: 30 * 1024 * 1024).Should().Be(30UL * 1024 * 1024);
    }

    [Fact]
    public void Anything_else_counts_as_its_file_size()
    {
        CaptureImageIdentity.LoadedSize("not a kernel"u8, fileBytes: 12).Should().Be(12UL);
    }

    [Fact]
    public void Header_only_read_and_hashing_read_give_the_same_memory_size()
    {
        var path = Path.Join(Path.GetTempPath(), $"kdumpd-image-{Guid.NewGuid():N}");
        File.Copy(Tests.Loading.Fixtures.KernelHead, path);
        try
        {
            var identity = CaptureImageIdentity.ReadFile("/boot/vmlinuz", path);

            identity.MemorySize.Should().Be(0x3f98000UL);
            CaptureImageIdentity.ReadMemorySize(path).Should().Be(identity.MemorySize);
            identity.Sha256.Should().HaveLength(64);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
