using System.Collections.Immutable;
using System.Globalization;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Host;

/// <summary>Reads a <see cref="HostSnapshot"/> through a <see cref="HostRoot"/>.</summary>
public static class HostReader
{
    public const string CpuDir = "/sys/devices/system/cpu";
    public const string MemoryDir = "/sys/devices/system/memory";
    public const string KcorePath = "/proc/kcore";
    public const string KallsymsPath = "/proc/kallsyms";

    /// <summary>kexec-tools reads the same bound (KCORE_ELF_HEADERS_SIZE): kcore's headers fit, its gigabytes are never touched.</summary>
    public const int KcoreHeaderBytes = 64 * 1024;

    public static HostSnapshot Read(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var iomem = IomemTree.Parse(ReadRequired(root, IomemTree.HostPath), root.Resolve(IomemTree.HostPath));
        var kcore = ReadKcore(root);
        return new HostSnapshot(
            root.Root,
            iomem,
            ReadCpus(root),
            ReadMemoryBlocks(root),
            ReadVmcoreInfo(root),
            ReadKexec(root),
            (TryRead(root, "/uname-r") ?? TryRead(root, "/proc/sys/kernel/osrelease"))?.Trim(),
            TryRead(root, "/proc/cmdline")?.TrimEnd('\n'),
            kcore,

            // With kcore, _text or _stext only anchors its KCORE_TEXT entry, which gives the size: the
            // symbols come in the first few thousand lines, _end after 100 000 and more, each formatted by
            // the kernel on read (the host read took 0.5 s of a boot's first pass under QEMU/TCG).
            ReadKallsyms(root, throughEnd: kcore is null));
    }

    public static CpuTopology ReadCpus(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var possible = ReadCpuList(root, CpuDir + "/possible");
        var present = ReadCpuList(root, CpuDir + "/present");
        var online = ReadCpuList(root, CpuDir + "/online");
        var notes = ImmutableArray.CreateBuilder<CpuCrashNotes>();
        foreach (var cpu in possible)
        {
            var dir = $"{CpuDir}/cpu{cpu}";
            var address = TryRead(root, dir + "/crash_notes");
            if (address is null)
            {
                continue;
            }

            var size = TryRead(root, dir + "/crash_notes_size");
            notes.Add(new CpuCrashNotes(
                cpu,
                ParseHex(root, dir + "/crash_notes", address),
                size is null ? 0 : ParseDecimal(root, dir + "/crash_notes_size", size)));
        }

        return new CpuTopology(possible, present, online, notes.ToImmutable(), ReadFlag(root, KexecSysfs.CpuCrashHotplugPath));
    }

    public static MemoryBlocks? ReadMemoryBlocks(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var blockSize = TryRead(root, MemoryDir + "/block_size_bytes");
        if (blockSize is null)
        {
            return null;
        }

        var blocks = new List<MemoryBlock>();
        var dir = root.Resolve(MemoryDir);
        foreach (var path in Directory.EnumerateDirectories(dir, "memory*"))
        {
            var name = Path.GetFileName(path);
            if (!int.TryParse(name.AsSpan("memory".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            var blockDir = $"{MemoryDir}/{name}";
            var state = TryRead(root, blockDir + "/state")?.Trim()
                ?? throw new HostFileException(blockDir + "/state", root.Resolve(blockDir + "/state"), "file is missing");
            var physIndex = TryRead(root, blockDir + "/phys_index");
            blocks.Add(new MemoryBlock(
                index,
                physIndex is null ? (ulong)index : ParseHex(root, blockDir + "/phys_index", physIndex),
                state,
                TryRead(root, blockDir + "/valid_zones")?.Trim()));
        }

        blocks.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new MemoryBlocks(
            ParseHex(root, MemoryDir + "/block_size_bytes", blockSize),
            [.. blocks],
            TryRead(root, MemoryDir + "/auto_online_blocks")?.Trim(),
            ReadFlag(root, KexecSysfs.MemoryCrashHotplugPath));
    }

    public static VmcoreInfoLocation? ReadVmcoreInfo(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        const string path = "/sys/kernel/vmcoreinfo";
        string? text;
        try
        {
            text = root.TryReadText(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new HostPrivilegeException(path, root.Resolve(path), "cannot read the VMCOREINFO location");
        }

        if (text is null)
        {
            return null;
        }

        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw new HostFileException(path, root.Resolve(path), $"expected '0x<address> <size>', got '{text.Trim()}'");
        }

        var address = ParseHex(root, path, parts[0]);
        if (address == 0)
        {
            throw new HostPrivilegeException(path, root.Resolve(path), "VMCOREINFO address reads as zero");
        }

        // vmcoreinfo_show prints "%pa %x": the size is hex too (VMCOREINFO_NOTE_SIZE, 0x1024 on 6.1).
        return new VmcoreInfoLocation(address, ParseHex(root, path, parts[1]));
    }

    public static CrashKernelState ReadKexec(HostRoot root) => new KexecSysfs(root).Read();

    /// <summary>/proc/kcore's program headers from its first 64 KiB; null when absent or unreadable (not root).</summary>
    public static KcoreHeader? ReadKcore(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var path = root.Resolve(KcorePath);
        byte[] buffer;
        int length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            buffer = new byte[KcoreHeaderBytes];
            length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return null;
        }

        // Containers mask /proc/kcore with /dev/null: no bytes, or no ELF, means no kcore. A file that
        // claims to be ELF and is broken is an error.
        if (length < 4 || !buffer.AsSpan(0, 4).SequenceEqual("\u007fELF"u8))
        {
            return null;
        }

        ElfCoreHeader header;
        try
        {
            header = ElfCoreHeader.Read(buffer.AsSpan(0, length), path);
        }
        catch (InvalidFormatException e)
        {
            throw new HostFileException(KcorePath, path, e.Message);
        }

        var segments = ImmutableArray.CreateBuilder<KcoreSegment>();
        foreach (var phdr in header.ProgramHeaders)
        {
            if (phdr.IsLoad)
            {
                segments.Add(new KcoreSegment(phdr.VirtualAddress, phdr.PhysicalAddress, phdr.MemorySize));
            }
        }

        return new KcoreHeader(segments.ToImmutable());
    }

    /// <summary>
    /// _text, _stext and (when <paramref name="throughEnd"/>) _end from /proc/kallsyms; null when absent or all
    /// zero (unprivileged reader). Reading stops at the last symbol wanted.
    /// </summary>
    public static KernelSymbols? ReadKallsyms(HostRoot root, bool throughEnd = true)
    {
        ArgumentNullException.ThrowIfNull(root);
        var path = root.Resolve(KallsymsPath);
        ulong? text = null, end = null, stext = null;
        try
        {
            using var reader = new StreamReader(path);
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                var span = line.AsSpan();
                var firstSpace = span.IndexOf(' ');
                if (firstSpace <= 0 || span.Length < firstSpace + 3 || span[firstSpace + 2] != ' ')
                {
                    continue;
                }

                var name = span[(firstSpace + 3)..];
                ref ulong? slot = ref text;
                if (name.SequenceEqual("_text"))
                {
                    slot = ref text;
                }
                else if (name.SequenceEqual("_end"))
                {
                    slot = ref end;
                }
                else if (name.SequenceEqual("_stext"))
                {
                    slot = ref stext;
                }
                else
                {
                    continue;
                }

                if (!ulong.TryParse(span[..firstSpace], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
                {
                    throw new HostFileException(KallsymsPath, path, $"bad address '{span[..firstSpace].ToString()}'", lineNumber);
                }

                slot = value == 0 ? null : value;
                if (text is not null && stext is not null && (end is not null || !throughEnd))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }

        return text is null && end is null && stext is null ? null : new KernelSymbols(text, end, stext);
    }

    private static ImmutableArray<int> ReadCpuList(HostRoot root, string hostPath) =>
        CpuList.Parse(ReadRequired(root, hostPath), hostPath, root.Resolve(hostPath));

    private static string ReadRequired(HostRoot root, string hostPath)
    {
        try
        {
            return root.ReadText(hostPath);
        }
        catch (UnauthorizedAccessException)
        {
            throw new HostPrivilegeException(hostPath, root.Resolve(hostPath), "permission denied");
        }
    }

    private static string? TryRead(HostRoot root, string hostPath)
    {
        try
        {
            return root.TryReadText(hostPath);
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool? ReadFlag(HostRoot root, string hostPath)
    {
        var value = ReadOptionalSigned(root, hostPath);
        return value is null ? null : value != 0;
    }

    private static ulong? ReadOptionalDecimal(HostRoot root, string hostPath)
    {
        var text = TryRead(root, hostPath);
        return text is null ? null : ParseDecimal(root, hostPath, text);
    }

    private static long? ReadOptionalSigned(HostRoot root, string hostPath)
    {
        var text = TryRead(root, hostPath);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostFileException(hostPath, root.Resolve(hostPath), $"expected a number, got '{text.Trim()}'");
    }

    private static ulong ParseDecimal(HostRoot root, string hostPath, string text) =>
        ulong.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostFileException(hostPath, root.Resolve(hostPath), $"expected a decimal number, got '{text.Trim()}'");

    private static ulong ParseHex(HostRoot root, string hostPath, string text)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            span = span[2..];
        }

        return ulong.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostFileException(hostPath, root.Resolve(hostPath), $"expected a hex number, got '{text.Trim()}'");
    }
}
