using Kdumpd.Core.Dumps.Memory;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps.Printk;

/// <summary>
/// The kernel log of a vmcore, read from the dump itself (ELF, kdump-compressed with any page
/// compression, flattened): opens the container, translates through VMCOREINFO and reads the
/// printk buffer in whichever layout the kernel had. Touches only the pages the log lives in.
/// Never throws for a bad dump: every failure is a <see cref="DmesgExtraction.Problem"/>.
/// </summary>
public static class VmcoreDmesg
{
    public static DmesgExtraction Extract(string path)
    {
        try
        {
            using var file = FileDumpSource.Open(path);
            return Extract(file);
        }
        catch (InvalidFormatException e)
        {
            return DmesgExtraction.Failed(e.Message);
        }
    }

    public static DmesgExtraction Extract(IDumpSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        PageCache? pages = null;
        try
        {
            var data = OpenContainer(source);
            var header = DumpProbe.Probe(data);
            var info = header.Elf?.Notes.VmcoreInfo ?? header.Kdump?.VmcoreInfo;
            if (info is null)
            {
                return DmesgExtraction.Failed(header.Format == DumpFormat.WholeFileCompressed
                    ? $"{source.Name}: the whole file is {header.Compression.ToCatalogName()}-compressed; decompress it first"
                    : $"{source.Name}: the dump has no VMCOREINFO, so its kernel memory cannot be located");
            }

            var pageSize = (int)(info.PageSize is { } p and >= 4096 and <= 65536 ? p : 4096);
            IPhysicalMemory memory = header.Kdump is { } kdump ? new KdumpPhysicalMemory(data, kdump)
                : header.Elf is { } elf ? new ElfPhysicalMemory(data, elf.Loads, pageSize)
                : throw new UnsupportedTranslationException($"{header.Format.ToCatalogName()} dumps are not read for dmesg");
            var machine = header.Elf is { } e ? AddressTranslators.MachineName(e.Machine) : NullIfEmpty(header.Kdump?.Utsname.Machine);
            pages = new PageCache(memory);
            var kernel = new KernelMemory(pages, AddressTranslators.Create(info, machine, header.Kdump?.SubHeader?.PhysBase, pages));
            if (LocklessRingReader.Applies(info))
            {
                return LocklessRingReader.Read(info, kernel);
            }

            if (LogBufReader.Applies(info))
            {
                return LogBufReader.Read(info, kernel);
            }

            return DmesgExtraction.Failed($"{source.Name}: VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)/SYMBOL(log_buf_len): the printk buffer cannot be found");
        }
        catch (InvalidFormatException e)
        {
            return DmesgExtraction.Failed(e.Message, pages?.PagesRead ?? 0);
        }
        catch (MemoryNotInDumpException e)
        {
            return DmesgExtraction.Failed($"{source.Name}: {e.Message}", pages?.PagesRead ?? 0);
        }
        catch (UnsupportedTranslationException e)
        {
            return DmesgExtraction.Failed($"{source.Name}: {e.Message}", pages?.PagesRead ?? 0);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException or OutOfMemoryException or IOException)
        {
            // Hostile values the checks above did not foresee: still a reason, never an exception out of a scan.
            return DmesgExtraction.Failed($"{source.Name}: printk buffer unreadable ({e.GetType().Name}): {e.Message}", pages?.PagesRead ?? 0);
        }
    }

    private static IDumpSource OpenContainer(IDumpSource source)
    {
        Span<byte> start = stackalloc byte[16];
        start = start[..source.ReadAtMost(0, start)];
        return FlattenedView.HasSignature(start) ? FlattenedView.Open(source) : source;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
