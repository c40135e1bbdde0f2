using System.Globalization;
using System.Text;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Initrd;

/// <summary>One line of /proc/self/mountinfo: which device (major:minor) holds which directory, with which filesystem.</summary>
public sealed record MountEntry(uint Major, uint Minor, string Root, string MountPoint, string FilesystemType, string Source);

/// <summary>/proc/self/mountinfo (Documentation/filesystems/proc.rst, 3.5): the mount that holds a path.</summary>
public static class MountTable
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    public static IReadOnlyList<MountEntry> Read(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var entries = new List<MountEntry>();
        var lineNumber = 0;
        foreach (var line in host.ReadText(MountInfoPath).Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            var colon = fields.Length > 2 ? fields[2].IndexOf(':', StringComparison.Ordinal) : -1;
            if (dash < 6 || dash + 2 >= fields.Length || colon < 0
                || !uint.TryParse(fields[2].AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
                || !uint.TryParse(fields[2].AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            {
                throw new HostFileException(MountInfoPath, host.Resolve(MountInfoPath), "not a mountinfo line (id parent major:minor root mountpoint options ... - type source options)", lineNumber);
            }

            entries.Add(new MountEntry(major, minor, Unescape(fields[3]), Unescape(fields[4]), fields[dash + 1], Unescape(fields[dash + 2])));
        }

        return entries;
    }

    /// <summary>The mount that holds <paramref name="path"/>: the longest mount point that is a prefix of it (the last one mounted wins a tie).</summary>
    public static MountEntry? Holding(IReadOnlyList<MountEntry> mounts, string path)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        MountEntry? best = null;
        foreach (var mount in mounts)
        {
            var inside = mount.MountPoint == "/" || path == mount.MountPoint || path.StartsWith(mount.MountPoint + "/", StringComparison.Ordinal);
            if (inside && (best is null || mount.MountPoint.Length >= best.MountPoint.Length))
            {
                best = mount;
            }
        }

        return best;
    }

    /// <summary>The kernel writes space, tab, newline and backslash as \040, \011, \012, \134.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }
}
