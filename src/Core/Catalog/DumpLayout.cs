namespace Kdumpd.Core.Catalog;

/// <summary>Who wrote a dump directory, by its naming convention.</summary>
public enum DumpLayout
{
    /// <summary>kdumpd: &lt;yyyyMMddTHHmmssZ&gt;-&lt;hostname&gt;/ with vmcore, dmesg.txt, kdumpd.json.</summary>
    Kdumpd,

    /// <summary>Fedora/RHEL kdump-utils: &lt;ip&gt;-&lt;YYYY-MM-DD-HH:MM:SS&gt;/ with vmcore, vmcore-dmesg.txt.</summary>
    Fedora,

    /// <summary>Debian/Ubuntu kdump-tools: [host-]&lt;YYYYMMDDHHMM&gt;/ with dump.&lt;stamp&gt;[.gz|...], dmesg.&lt;stamp&gt;.</summary>
    Debian,

    /// <summary>SUSE kdump: [host-]&lt;YYYY-MM-DD-HH-MM&gt;/ with vmcore, dmesg, README.txt.</summary>
    Suse,
}

public static class DumpLayoutNames
{
    public static string ToCatalogName(this DumpLayout layout) => layout switch
    {
        DumpLayout.Kdumpd => "kdumpd",
        DumpLayout.Fedora => "fedora",
        DumpLayout.Debian => "debian",
        DumpLayout.Suse => "suse",
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };
}

/// <summary>
/// A dump directory found on disk, before its files are read. <see cref="IncompleteMarker"/> names
/// the file-name convention that says the capture did not finish (vmcore-incomplete,
/// dump-incomplete*, SUSE's placeholder README.txt), or null.
/// </summary>
public sealed record LocatedDump(
    string Directory,
    string RelativeName,
    DumpLayout Layout,
    bool Owned,
    string? VmcorePath,
    string? DmesgPath,
    string? MetadataPath,
    string? IncompleteMarker,
    DateTimeOffset? NameTime,
    string? NameHost);
