using System.Buffers.Binary;
using System.Security.Cryptography;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Planning;

/// <summary>
/// Identity and footprint of a capture kernel or initrd: its size in the file, the memory it needs once
/// loaded (a bzImage's init_size, when its setup header says so) and its SHA-256.
/// </summary>
public sealed record CaptureImageIdentity(string Name, ulong FileSize, ulong MemorySize, string Sha256)
{
    /// <summary>Offsets in the x86 boot protocol's setup header (Documentation/arch/x86/boot.rst).</summary>
    private static class SetupHeaderFields
    {
        public const int Magic = 0x202;
        public const int Version = 0x206;
        public const int InitSize = 0x260;
        public const int MinimumLength = InitSize + 4;
    }

    /// <summary>Boot protocol 2.10 introduced init_size.</summary>
    private const ushort InitSizeSinceVersion = 0x020a;

    public static CaptureImageIdentity FromBytes(string name, ReadOnlySpan<byte> content) =>
        new(name, (ulong)content.Length, Math.Max((ulong)content.Length, ReadInitSize(content) ?? 0), Convert.ToHexStringLower(SHA256.HashData(content)));

    /// <summary>Reads and hashes a file through the host root, streaming it (initrds can be large).</summary>
    public static CaptureImageIdentity Read(HostRoot root, string hostPath)
    {
        ArgumentNullException.ThrowIfNull(root);
        return ReadFile(hostPath, root.Resolve(hostPath));
    }

    /// <summary>Reads and hashes <paramref name="path"/>, reported under its host name <paramref name="hostPath"/>.</summary>
    public static CaptureImageIdentity ReadFile(string hostPath, string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> head = stackalloc byte[SetupHeaderFields.MinimumLength];
            var headLength = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            var hash = SHA256.HashData(stream);
            var length = (ulong)stream.Length;
            var initSize = ReadInitSize(head[..headLength]) ?? 0;
            return new CaptureImageIdentity(hostPath, length, Math.Max(length, initSize), Convert.ToHexStringLower(hash));
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

    /// <summary>init_size from an x86 bzImage setup header ("HdrS" at 0x202), or null for anything else.</summary>
    public static ulong? ReadInitSize(ReadOnlySpan<byte> image)
    {
        if (image.Length < SetupHeaderFields.MinimumLength || !image.Slice(SetupHeaderFields.Magic, 4).SequenceEqual("HdrS"u8))
        {
            return null;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(image[SetupHeaderFields.Version..]);
        return version < InitSizeSinceVersion ? null : BinaryPrimitives.ReadUInt32LittleEndian(image[SetupHeaderFields.InitSize..]);
    }
}
