using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>Facts about the running kernel read through the host root.</summary>
public static class HostKernel
{
    public const string OsReleasePath = "/proc/sys/kernel/osrelease";

    /// <summary>Captured fixture trees store `uname -r` here instead of procfs' osrelease.</summary>
    public const string FixtureReleasePath = "/uname-r";

    public const string CommandLinePath = "/proc/cmdline";

    /// <summary>The running kernel's release ("6.1.0-56-amd64").</summary>
    public static string Release(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var text = host.TryReadText(OsReleasePath) ?? host.TryReadText(FixtureReleasePath)
            ?? throw new HostFileException(OsReleasePath, host.Resolve(OsReleasePath), "file is missing: cannot tell the running kernel's release");
        var release = text.Trim();
        return release.Length == 0
            ? throw new HostFileException(OsReleasePath, host.Resolve(OsReleasePath), "is empty")
            : release;
    }

    public static string CommandLine(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.ReadText(CommandLinePath).Trim();
    }
}
