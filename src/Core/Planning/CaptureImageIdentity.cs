using System.Buffers.Binary;
using System.Security.Cryptography;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Planning;

/// <summary>
/// Identity and footprint of a capture kernel or initrd: its size in the file, the memory it needs once
/// loaded (a bzImage's init_size or an arm64 Image's image_size, when the header says so) and its SHA-256.
/// The one reader of kernel image headers: plan, loader and readiness all size a kernel through it.
/// </summary>
public sealed record CaptureImageIdentity(string Name, ulong FileSize, ulong MemorySize, string Sha256)
{
    /// <summary>Offsets of the header fields read (Documentation/arch/x86/boot.rst, Documentation/arch/arm64/booting.rst).</summary>
    private static class HeaderFields
    {
        public const int X86Magic = 0x202;          // "HdrS"
        public const int X86Version = 0x206;        // u16 boot protocol version
        public const int X86InitSize = 0x260;       // u32, protocol >= 2.10: memory the kernel needs in place
        public const int X86End = X86InitSize + 4;
        public const int Arm64ImageSize = 16;       // u64 effective image size, 0 on old kernels
        public const int Arm64Magic = 56;           // "ARM\x64"
        public const int Arm64End = 64;
        public const int Length = X86End;
    }

    /// <summary>Boot protocol 2.10 introduced init_size.</summary>
    private const ushort InitSizeSinceVersion = 0x020a;

    public static CaptureImageIdentity FromBytes(string name, ReadOnlySpan<byte> content) =>
        new(name, (ulong)content.Length, LoadedSize(content, (ulong)content.Length), Convert.ToHexStringLower(SHA256.HashData(content)));

    /// <summary>Reads and hashes a file through the host root, streaming it (initrds can be large).</summary>
    public static CaptureImageIdentity Read(HostRoot root, string hostPath)
    {
        ArgumentNullException.ThrowIfNull(root);
        return ReadFile(hostPath, root.Resolve(hostPath));
    }

    /// <summary>
    /// Reads and hashes <paramref name="path"/>, reported under its host name <paramref name="hostPath"/>;
    /// with <paramref name="digests"/>, an unchanged file's header alone is read.
    /// </summary>
    public static CaptureImageIdentity ReadFile(string hostPath, string path, FileDigests? digests = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            Span<byte> head = stackalloc byte[HeaderFields.Length];
            var headLength = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var length = (ulong)stream.Length;
            string hash;
            if (digests is null)
            {
                stream.Position = 0;
                hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            else
            {
                hash = digests.Sha256(path, stream);
            }

            return new CaptureImageIdentity(hostPath, length, LoadedSize(head[..headLength], length), hash);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new HostFileException(hostPath, path, "file is missing");
        }
        catch (UnauthorizedAccessException)
        {
            throw new HostPrivilegeException(hostPath, path, "cannot read the capture image");
        }
    }

    /// <summary>The memory <paramref name="path"/> needs once loaded, from its header alone (no hash).</summary>
    public static ulong ReadMemorySize(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> head = stackalloc byte[HeaderFields.Length];
        var read = RandomAccess.Read(handle, head, 0);
        return LoadedSize(head[..read], (ulong)RandomAccess.GetLength(handle));
    }

    /// <summary>
    /// What an image of <paramref name="fileBytes"/> occupies once loaded: a bzImage's init_size (the
    /// decompressed kernel plus its work area, far more than the file), an arm64 Image's image_size,
    /// otherwise the file size. Unknown formats are not an error here: kexec decides what it accepts.
    /// </summary>
    public static ulong LoadedSize(ReadOnlySpan<byte> head, ulong fileBytes)
    {
        if (ReadInitSize(head) is { } initSize)
        {
            return Math.Max(fileBytes, initSize);
        }

        if (head.Length >= HeaderFields.Arm64End && head.Slice(HeaderFields.Arm64Magic, 4).SequenceEqual("ARM\x64"u8))
        {
            return Math.Max(fileBytes, BinaryPrimitives.ReadUInt64LittleEndian(head[HeaderFields.Arm64ImageSize..]));
        }

        return fileBytes;
    }

    /// <summary>init_size from an x86 bzImage setup header ("HdrS" at 0x202), or null for anything else.</summary>
    public static ulong? ReadInitSize(ReadOnlySpan<byte> image)
    {
        if (image.Length < HeaderFields.X86End || !image.Slice(HeaderFields.X86Magic, 4).SequenceEqual("HdrS"u8))
        {
            return null;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(image[HeaderFields.X86Version..]);
        return version < InitSizeSinceVersion ? null : BinaryPrimitives.ReadUInt32LittleEndian(image[HeaderFields.X86InitSize..]);
    }
}
