using System.Runtime.InteropServices;

namespace Kdumpd.Core.Catalog;

/// <summary>Disk blocks a file really uses (st_blocks * 512): shows what zero-page skipping saved.</summary>
public static partial class SparseFiles
{
    public static long? AllocatedBytes(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return null;
        }

        // struct stat on x86_64: st_blocks at 64; on arm64 (generic layout): at 64 as well.
        Span<byte> stat = stackalloc byte[256];
        return Stat(path, ref MemoryMarshal.GetReference(stat)) == 0
            ? BitConverter.ToInt64(stat[64..]) * 512
            : null;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, ref byte buffer);
}
