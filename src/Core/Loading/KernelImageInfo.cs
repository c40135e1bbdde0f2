using System.Buffers.Binary;
using System.Text;

namespace Kdumpd.Core.Loading;

/// <summary>Offsets of the header fields kdumpd reads from kernel images.</summary>
internal static class KernelImageFields
{
    // x86 boot protocol (Documentation/arch/x86/boot.rst), offsets from the start of the bzImage.
    public const int BootFlag = 0x1FE;          // u16 0xAA55
    public const int HeaderMagic = 0x202;       // "HdrS"
    public const int ProtocolVersion = 0x206;   // u16
    public const int KernelVersionPointer = 0x20E; // u16, string at pointer + 0x200
    public const int InitSize = 0x260;          // u32, protocol >= 2.10: memory the kernel needs in place
    public const int X86HeaderEnd = 0x264;

    // arm64 Image header (Documentation/arch/arm64/booting.rst).
    public const int Arm64ImageSize = 16;       // u64 effective image size, 0 on old kernels
    public const int Arm64Magic = 56;           // u32 "ARM\x64"
    public const int Arm64HeaderEnd = 64;

    public const int ReadLength = 0x10000 + 0x200 + MaxVersionLength; // the version pointer can reach past 64 KiB
    public const int MaxVersionLength = 256;
}

/// <summary>
/// How much memory a kernel image occupies once loaded, read from its header: a bzImage's init_size (the
/// decompressed kernel plus its work area, far more than the file), an arm64 Image's image_size, otherwise
/// the file size. Unknown formats are not an error here: kexec decides what it accepts.
/// </summary>
public sealed record KernelImageInfo(string Format, long FileBytes, long MemoryBytes, string? Version)
{
    public static KernelImageInfo Read(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        var buffer = new byte[(int)Math.Min(length, KernelImageFields.ReadLength)];
        var read = RandomAccess.Read(handle, buffer, 0);
        return Parse(buffer.AsSpan(0, read), length);
    }

    public static KernelImageInfo Parse(ReadOnlySpan<byte> head, long fileBytes)
    {
        if (head.Length >= KernelImageFields.X86HeaderEnd
            && BinaryPrimitives.ReadUInt16LittleEndian(head[KernelImageFields.BootFlag..]) == 0xAA55
            && head.Slice(KernelImageFields.HeaderMagic, 4).SequenceEqual("HdrS"u8))
        {
            var protocol = BinaryPrimitives.ReadUInt16LittleEndian(head[KernelImageFields.ProtocolVersion..]);
            long memory = fileBytes;
            if (protocol >= 0x020A)
            {
                memory = Math.Max(fileBytes, BinaryPrimitives.ReadUInt32LittleEndian(head[KernelImageFields.InitSize..]));
            }

            return new KernelImageInfo("bzImage", fileBytes, memory, X86Version(head));
        }

        if (head.Length >= KernelImageFields.Arm64HeaderEnd
            && head.Slice(KernelImageFields.Arm64Magic, 4).SequenceEqual("ARM\x64"u8))
        {
            var imageSize = BinaryPrimitives.ReadUInt64LittleEndian(head[KernelImageFields.Arm64ImageSize..]);
            var memory = imageSize is > 0 and < long.MaxValue ? Math.Max(fileBytes, (long)imageSize) : fileBytes;
            return new KernelImageInfo("arm64 Image", fileBytes, memory, null);
        }

        return new KernelImageInfo("unknown", fileBytes, fileBytes, null);
    }

    private static string? X86Version(ReadOnlySpan<byte> head)
    {
        var pointer = BinaryPrimitives.ReadUInt16LittleEndian(head[KernelImageFields.KernelVersionPointer..]);
        var offset = pointer + 0x200;
        if (pointer == 0 || offset >= head.Length)
        {
            return null;
        }

        var text = head[offset..];
        var end = text[..Math.Min(text.Length, KernelImageFields.MaxVersionLength)].IndexOf((byte)0);
        return end <= 0 ? null : Encoding.ASCII.GetString(text[..end]);
    }

    /// <summary>The release ("6.1.0-56-amd64") at the start of the embedded version string, if any.</summary>
    public string? Release => Version?.Split(' ', 2)[0];
}
