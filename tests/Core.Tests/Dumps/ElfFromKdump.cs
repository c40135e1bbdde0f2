using Kdumpd.Core.Dumps;
using Kdumpd.Core.Dumps.Memory;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// Rebuilds the ELF /proc/vmcore of a fixture crash: the real first 8 KiB (ELF header, program
/// headers, notes with VMCOREINFO) and, at each PT_LOAD's offset, every page the kdump-compressed
/// dump of the same boot holds. A sparse file of the machine's size (1 GiB), as the capture kernel saw it.
/// </summary>
public static class ElfFromKdump
{
    public static string Build(string prefixPath, string kdumpPath, string outputPath)
    {
        var prefix = File.ReadAllBytes(prefixPath);
        var elf = ElfVmcoreReader.Read(new MemoryDumpSource("prefix", prefix));
        using var kdump = FileDumpSource.Open(kdumpPath);
        var header = KdumpCompressedReader.Read(kdump);
        var memory = new KdumpPhysicalMemory(kdump, header);
        var page = new byte[memory.PageSize];
        using (var output = new FileStream(outputPath, FileMode.Create, FileAccess.Write))
        {
            output.SetLength((long)elf.DataEnd);
            output.Write(prefix);
            foreach (var load in elf.Loads)
            {
                for (ulong at = 0; at < load.FileSize; at += (ulong)page.Length)
                {
                    var pfn = (load.PhysicalAddress + at) / (ulong)page.Length;
                    if (memory.TryReadPage(pfn, page) && page.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                    {
                        output.Position = (long)(load.FileOffset + at);
                        output.Write(page, 0, (int)Math.Min((ulong)page.Length, load.FileSize - at));
                    }
                }
            }
        }

        return outputPath;
    }
}
