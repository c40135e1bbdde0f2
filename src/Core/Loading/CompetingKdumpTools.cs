using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>Another crash-dump tool installed on the host: what it is and why it competes with kdumpd.</summary>
public sealed record CompetingTool(string Name, string Evidence, bool Enabled);

/// <summary>
/// Finds Debian's kdump-tools and Fedora's kdump-utils (kdumpctl) on the host: their systemd services
/// (enabled when a *.wants link names them) and Fedora's dedicated initramfs-&lt;release&gt;kdump.img. Both
/// tools load their own panic kernel at boot; whichever loads last wins, so two enabled tools compete.
/// kdumpd never loads another tool's initrd (the locator does not look for *kdump.img).
/// </summary>
public sealed class CompetingKdumpTools(HostRoot host)
{
    private static readonly (string Tool, string Unit)[] _services =
    [
        ("kdump-tools", "kdump-tools.service"),
        ("kdump-utils", "kdump.service"),
    ];

    private static readonly string[] _unitDirectories = ["/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system"];

    private static readonly string[] _wantsDirectories =
    [
        "/etc/systemd/system/multi-user.target.wants", "/etc/systemd/system/basic.target.wants",
        "/etc/systemd/system/sysinit.target.wants", "/etc/systemd/system/default.target.wants",
    ];

    public IReadOnlyList<CompetingTool> Find()
    {
        var found = new List<CompetingTool>();
        foreach (var (tool, unit) in _services)
        {
            var installed = _unitDirectories.Select(d => $"{d}/{unit}").FirstOrDefault(host.FileExists);
            if (installed is null)
            {
                continue;
            }

            var wants = _wantsDirectories.Select(d => $"{d}/{unit}").FirstOrDefault(p => new FileInfo(host.Resolve(p)).LinkTarget is not null || host.FileExists(p));
            found.Add(new CompetingTool(tool, wants is null ? $"{installed} (installed, not enabled)" : $"{unit} is enabled ({wants})", wants is not null));
        }

        var boot = host.Resolve("/boot");
        if (Directory.Exists(boot))
        {
            foreach (var image in Directory.EnumerateFiles(boot, "initramfs-*kdump.img").Order(StringComparer.Ordinal))
            {
                found.Add(new CompetingTool("kdump-utils", $"/boot/{Path.GetFileName(image)} (kdump-utils' capture initrd; kdumpd does not load it)", false));
            }
        }

        return found;
    }
}
