using System.Runtime.InteropServices;
using Kdumpd.Core.Dumps;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// Whether kdumpd wrote a dump folder, the condition for ever deleting it. A kdumpd.json alone proves
/// nothing (anyone who can write into the dump directory can plant one); kdumpd's own capture leaves a
/// marker it can verify: the folder is a real directory owned by kdumpd's user (root) and writable by
/// no one else, kdumpd.json is a regular file of that user with no group or other permission bits
/// (0600), and it names the folder's dump id; the vmcore, if any, belongs to the same user.
/// </summary>
public static partial class DumpOwnership
{
    /// <summary>Checks the marker; <paramref name="why"/> says what failed (for the log and the listing).</summary>
    public static bool Verify(string folder, ConfinedFile? metadata, CaptureMetadata? meta, string? vmcorePath, out string why)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var uid = EffectiveUid();
        FileStatus dir;
        try
        {
            dir = FileStatus.OfPath(folder);
        }
        catch (IOException e)
        {
            why = $"cannot stat the folder: {e.Message}";
            return false;
        }

        if (dir.Kind != FileKind.Directory)
        {
            why = $"the folder is {FileStatus.Describe(dir.Kind)}";
            return false;
        }

        if (dir.Uid != uid || (dir.Mode & 0x12) != 0)
        {
            why = $"the folder belongs to uid {dir.Uid} (kdumpd runs as {uid}) or others may write into it (mode {Octal(dir.Mode)})";
            return false;
        }

        if (metadata is null || meta is null)
        {
            why = "no readable kdumpd.json";
            return false;
        }

        if (metadata.Status.Uid != uid || (metadata.Status.Mode & 0x3f) != 0)
        {
            why = $"kdumpd.json belongs to uid {metadata.Status.Uid} with mode {Octal(metadata.Status.Mode)}; kdumpd writes it 0600 as uid {uid}";
            return false;
        }

        var expected = DumpId.For(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
        if (!string.Equals(meta.DumpId, expected, StringComparison.Ordinal))
        {
            why = meta.DumpId is null ? "kdumpd.json carries no dump id" : $"kdumpd.json names dump {meta.DumpId}, this folder is {expected}";
            return false;
        }

        if (vmcorePath is not null)
        {
            try
            {
                var vmcore = FileStatus.OfPath(vmcorePath);
                if (vmcore.Uid != uid)
                {
                    why = $"{Path.GetFileName(vmcorePath)} belongs to uid {vmcore.Uid}";
                    return false;
                }
            }
            catch (IOException e)
            {
                why = $"cannot stat {Path.GetFileName(vmcorePath)}: {e.Message}";
                return false;
            }
        }

        why = "written by kdumpd";
        return true;
    }

    private static string Octal(uint mode) => Convert.ToString(mode & 0xfff, 8).PadLeft(4, '0');

    private static uint EffectiveUid() => OperatingSystem.IsLinux() ? GetEuid() : uint.MaxValue;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
