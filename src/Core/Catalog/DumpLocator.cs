using System.Globalization;
using System.Text.RegularExpressions;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// Finds dump directories directly under a dump directory and classifies them by layout
/// (kdumpd, Fedora/RHEL, Debian/Ubuntu, SUSE). Reads names and small marker files only; never
/// modifies anything. Loose files (Ubuntu's apport *.crash, kdump-tools' kexec_cmd) are ignored.
/// </summary>
public static partial class DumpLocator
{
    public const string KdumpdMetadata = "kdumpd.json";
    public const string KdumpdDmesg = "dmesg.txt";
    public const string Vmcore = "vmcore";
    public const string VmcoreIncomplete = "vmcore-incomplete";

    /// <summary>The UTC timestamp format of kdumpd's directory names.</summary>
    public const string KdumpdStampFormat = "yyyyMMdd'T'HHmmss'Z'";

    private static readonly string[] _fedoraVmcores = [Vmcore, "vmcore.flat", VmcoreIncomplete];
    private static readonly string[] _fedoraDmesgs = ["vmcore-dmesg.txt", "vmcore-dmesg-incomplete.txt"];

    /// <summary>True when <paramref name="directory"/> lies below <paramref name="dumpDirectory"/> (never the directory itself).</summary>
    public static bool IsInside(string dumpDirectory, string directory) =>
        directory.StartsWith(dumpDirectory.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <param name="unreadable">Told about every folder that cannot be listed (folder, reason): it is skipped, never silently.</param>
    /// <param name="unknown">Told about every folder of no known layout (folder, why): it is not catalogued, never silently.</param>
    public static IReadOnlyList<LocatedDump> Locate(string dumpDir, Action<string, string>? unreadable = null, Action<string, string>? unknown = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dumpDir);
        var root = Path.GetFullPath(dumpDir);
        if (!System.IO.Directory.Exists(root))
        {
            return [];
        }

        var found = new List<LocatedDump>();
        foreach (var dir in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (dir.LinkTarget is not null)
            {
                continue; // a symlinked directory is not a dump kdumpd should follow (or ever delete)
            }

            try
            {
                _ = dir.EnumerateFiles().Any();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable?.Invoke(dir.FullName, e.Message);
                continue;
            }

            var located = Classify(dir);
            if (located is not null)
            {
                found.Add(located);
            }
            else if (!dir.Name.StartsWith('.') && dir.Name != "lost+found")
            {
                // A hidden folder is a tool's own; lost+found is the dump partition's.
                unknown?.Invoke(dir.FullName, WhyUnknown(dir.Name));
            }
        }

        found.Sort((a, b) => string.CompareOrdinal(a.RelativeName, b.RelativeName));
        return found;
    }

    /// <summary>Classifies one directory, or null when it is not a dump directory of a known layout.</summary>
    public static LocatedDump? Classify(DirectoryInfo dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var name = dir.Name;
        string[] files;
        try
        {
            files = dir.EnumerateFiles().Select(f => f.Name).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        bool Has(string file) => files.Contains(file, StringComparer.Ordinal);
        string Full(string file) => Path.Join(dir.FullName, file);

        var m = KdumpdName().Match(name);
        if (m.Success && (Has(KdumpdMetadata) || Has(Vmcore) || Has(VmcoreIncomplete)))
        {
            var time = DateTimeOffset.TryParseExact(m.Groups["stamp"].Value, KdumpdStampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTimeOffset?)null;
            var vmcore = Has(Vmcore) ? Vmcore : Has(VmcoreIncomplete) ? VmcoreIncomplete : null;
            return new LocatedDump(
                dir.FullName, name, DumpLayout.Kdumpd, Owned: Has(KdumpdMetadata),
                vmcore is null ? null : Full(vmcore), Has(KdumpdDmesg) ? Full(KdumpdDmesg) : null,
                Has(KdumpdMetadata) ? Full(KdumpdMetadata) : null,
                Has(Vmcore) ? null : vmcore is null ? "no vmcore" : VmcoreIncomplete,
                time, m.Groups["host"].Value);
        }

        m = FedoraName().Match(name);
        var suseLike = (Has("README.txt") || Has("dmesg")) && !Has("vmcore-dmesg.txt");
        if (m.Success && !suseLike && (Has(Vmcore) || Has(VmcoreIncomplete) || Has("vmcore.flat") || Has("vmcore-dmesg.txt") || Has("vmcore-dmesg-incomplete.txt")))
        {
            var vmcore = _fedoraVmcores.FirstOrDefault(Has);
            var dmesg = _fedoraDmesgs.FirstOrDefault(Has);
            string? marker = vmcore == VmcoreIncomplete ? VmcoreIncomplete : vmcore is null ? "no vmcore" : null;
            return new LocatedDump(
                dir.FullName, name, DumpLayout.Fedora, Owned: false,
                vmcore is null ? null : Full(vmcore), dmesg is null ? null : Full(dmesg), null, marker,
                ParseLocal(m.Groups["stamp"].Value, "yyyy-MM-dd-HH:mm:ss", "yyyy-MM-dd-HH:mm"), NullIfEmpty(m.Groups["host"].Value));
        }

        m = DebianName().Match(name);
        if (m.Success)
        {
            var stamp = m.Groups["stamp"].Value;
            var dump = files.Where(f => f == $"dump.{stamp}" || f.StartsWith($"dump.{stamp}.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
            var partial = files.Where(f => f.StartsWith("dump-incomplete", StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
            var copied = Has($"vmcore.{stamp}") ? $"vmcore.{stamp}" : null;
            var copyPartial = Has(VmcoreIncomplete) ? VmcoreIncomplete : null;
            var vmcore = dump ?? copied ?? partial ?? copyPartial;
            var dmesg = Has($"dmesg.{stamp}") ? $"dmesg.{stamp}" : null;
            if (vmcore is not null || dmesg is not null)
            {
                string? marker = vmcore == partial && partial is not null ? partial
                    : vmcore == copyPartial && copyPartial is not null ? copyPartial
                    : vmcore is null ? "no vmcore" : null;
                return new LocatedDump(
                    dir.FullName, name, DumpLayout.Debian, Owned: false,
                    vmcore is null ? null : Full(vmcore), dmesg is null ? null : Full(dmesg), null, marker,
                    ParseLocal(stamp, "yyyyMMddHHmm"), NullIfEmpty(m.Groups["host"].Value));
            }
        }

        m = SuseName().Match(name);
        if (m.Success && (Has(Vmcore) || Has("README.txt") || Has("dmesg")))
        {
            var marker = Has(Vmcore) ? SuseReadmeMarker(Full("README.txt"), Has("README.txt")) : "no vmcore";
            return new LocatedDump(
                dir.FullName, name, DumpLayout.Suse, Owned: false,
                Has(Vmcore) ? Full(Vmcore) : null, Has("dmesg") ? Full("dmesg") : null, null, marker,
                ParseLocal(m.Groups["stamp"].Value.Replace(':', '-'), "yyyy-MM-dd-HH-mm"), NullIfEmpty(m.Groups["host"].Value));
        }

        return null;
    }

    /// <summary>Why <see cref="Classify"/> found no layout in a folder named <paramref name="name"/>.</summary>
    public static string WhyUnknown(string name) =>
        KdumpdName().IsMatch(name) || FedoraName().IsMatch(name) || DebianName().IsMatch(name) || SuseName().IsMatch(name)
            ? "named like a dump folder but holds no vmcore, dmesg or kdumpd.json"
            : "its name matches no known layout (kdumpd 20261124T195815Z-host, Fedora host-2026-11-24-19:58:15, Debian 202611241958, SUSE 2026-11-24-19:58)";

    /// <summary>
    /// SUSE's kdump-save writes README.txt as a placeholder first and rewrites it with
    /// "vmcore status:" at the end: a README without that line means the save never finished.
    /// </summary>
    private static string? SuseReadmeMarker(string readme, bool exists)
    {
        if (!exists)
        {
            return null;
        }

        try
        {
            // README.txt may be anything an intruder left there (a FIFO would hang the scan).
            using var file = Dumps.ConfinedFile.Open(Path.GetDirectoryName(Path.GetDirectoryName(readme)!)!, readme);
            using var reader = new StreamReader(file.OpenStream());
            var buffer = new char[16384];
            var text = new string(buffer, 0, reader.ReadBlock(buffer, 0, buffer.Length));
            var status = text.Split('\n').FirstOrDefault(l => l.StartsWith("vmcore status:", StringComparison.OrdinalIgnoreCase));
            if (status is null)
            {
                return "README.txt is the placeholder (no \"vmcore status:\" line)";
            }

            return status.Contains("fail", StringComparison.OrdinalIgnoreCase) ? $"README.txt: {status.Trim()}" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Distribution directory names use the capture kernel's clock, without a zone; taken as UTC.</summary>
    private static DateTimeOffset? ParseLocal(string stamp, params string[] formats) =>
        DateTimeOffset.TryParseExact(stamp, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    [GeneratedRegex(@"^(?<stamp>\d{8}T\d{6}Z)-(?<host>.+)$")]
    private static partial Regex KdumpdName();

    [GeneratedRegex(@"^(?:(?<host>.+)-)?(?<stamp>\d{4}-\d{2}-\d{2}-\d{2}:\d{2}(?::\d{2})?)$|^kdump-test-(?<stamp2>.+)$")]
    private static partial Regex FedoraName();

    [GeneratedRegex(@"^(?:(?<host>.+)-)?(?<stamp>\d{12})$")]
    private static partial Regex DebianName();

    [GeneratedRegex(@"^(?:(?<host>.+)-)?(?<stamp>\d{4}-\d{2}-\d{2}-\d{2}[-:]\d{2})$")]
    private static partial Regex SuseName();
}
