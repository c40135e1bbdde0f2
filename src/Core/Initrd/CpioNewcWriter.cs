using System.Buffers;
using System.Globalization;
using System.Text;

namespace Kdumpd.Core.Initrd;

/// <summary>
/// Writes a reproducible "newc" cpio archive: entries sorted by path (so parents come before children
/// and the same inputs give the same bytes), every mtime the same fixed value, uid/gid 0, inode numbers
/// counted from 1, then the trailer. The kernel's unpacker needs nothing else.
/// </summary>
public static class CpioNewcWriter
{
    /// <summary>Writes <paramref name="entries"/> and the trailer; returns the number of bytes written.</summary>
    public static long Write(Stream output, IEnumerable<CpioEntry> entries, uint modificationTime = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(entries);
        var sorted = entries.OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long written = 0;
        uint inode = 1;
        foreach (var entry in sorted)
        {
            Validate(entry);
            if (!seen.Add(entry.Path))
            {
                throw new ArgumentException($"cpio entry '{entry.Path}' appears twice", nameof(entries));
            }

            written += WriteEntry(output, entry.Path, Mode(entry), entry.Kind == CpioEntryKind.Directory ? 2u : 1u, modificationTime, inode++, entry.DeviceMajor, entry.DeviceMinor, entry.Content.Span);
        }

        written += WriteEntry(output, CpioFields.TrailerName, 0, 1, 0, 0, 0, 0, []);
        return written;
    }

    /// <summary>
    /// The number of bytes <see cref="Write"/> gives for members with these paths and content lengths: what a
    /// built archive's unpacked size must be, known without reading any content.
    /// </summary>
    public static long LengthOf(IEnumerable<(string Path, long ContentLength)> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        long length = HeaderAndNameLength(Encoding.UTF8.GetByteCount(CpioFields.TrailerName) + 1);
        foreach (var (path, contentLength) in members)
        {
            length += HeaderAndNameLength(Encoding.UTF8.GetByteCount(path) + 1) + Align(contentLength);
        }

        return length;
    }

    private static long WriteEntry(Stream output, string name, uint mode, uint links, uint mtime, uint inode, uint rdevMajor, uint rdevMinor, ReadOnlySpan<byte> content)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(name) + 1;
        var headerAndName = HeaderAndNameLength(nameBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(headerAndName);
        try
        {
            var header = buffer.AsSpan(0, headerAndName);
            header.Clear();
            CpioFields.NewcMagic.CopyTo(header);
            Hex(header, CpioFields.Inode, inode);
            Hex(header, CpioFields.Mode, mode);
            Hex(header, CpioFields.Uid, 0);
            Hex(header, CpioFields.Gid, 0);
            Hex(header, CpioFields.LinkCount, links);
            Hex(header, CpioFields.ModificationTime, mtime);
            Hex(header, CpioFields.FileSize, checked((uint)content.Length));
            Hex(header, CpioFields.DevMajor, 0);
            Hex(header, CpioFields.DevMinor, 0);
            Hex(header, CpioFields.RdevMajor, rdevMajor);
            Hex(header, CpioFields.RdevMinor, rdevMinor);
            Hex(header, CpioFields.NameSize, (uint)nameBytes);
            Hex(header, CpioFields.Check, 0);
            Encoding.UTF8.GetBytes(name, header[CpioFields.HeaderSize..]);
            output.Write(header);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        output.Write(content);
        var padding = Align(content.Length) - content.Length;
        Span<byte> zeros = stackalloc byte[CpioFields.Alignment];
        zeros.Clear();
        output.Write(zeros[..padding]);
        return headerAndName + content.Length + padding;
    }

    private static uint Mode(CpioEntry entry) => (entry.Permissions & 0xFFF) | entry.Kind switch
    {
        CpioEntryKind.Directory => CpioFields.TypeDirectory,
        CpioEntryKind.File => CpioFields.TypeRegular,
        CpioEntryKind.Symlink => CpioFields.TypeSymlink,
        CpioEntryKind.CharDevice => CpioFields.TypeCharDevice,
        _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.Kind, "unknown cpio entry kind"),
    };

    private static void Validate(CpioEntry entry)
    {
        if (entry.Path.Length == 0 || entry.Path.StartsWith('/') || entry.Path.EndsWith('/') || entry.Path.Split('/').Any(p => p is "" or "." or ".."))
        {
            throw new ArgumentException($"cpio entry path '{entry.Path}' must be relative and normalized (no leading or trailing '/', no '.' or '..')", nameof(entry));
        }

        if (entry.Path == CpioFields.TrailerName)
        {
            throw new ArgumentException($"cpio entry path '{entry.Path}' is the trailer's name", nameof(entry));
        }

        if (entry.Kind is CpioEntryKind.Directory or CpioEntryKind.CharDevice && !entry.Content.IsEmpty)
        {
            throw new ArgumentException($"cpio entry '{entry.Path}' is a {entry.Kind} and cannot have content", nameof(entry));
        }
    }

    /// <summary>The header and the NUL-terminated name after it, padded to the next four-byte boundary.</summary>
    private static int HeaderAndNameLength(int nameBytesWithNul) => Align(CpioFields.HeaderSize + nameBytesWithNul);

    private static int Align(int length) => (int)Align((long)length);

    private static long Align(long length) => (length + CpioFields.Alignment - 1) & ~(long)(CpioFields.Alignment - 1);

    private static void Hex(Span<byte> header, int offset, uint value) =>
        value.TryFormat(header.Slice(offset, CpioFields.FieldLength), out _, "X8", CultureInfo.InvariantCulture);
}
