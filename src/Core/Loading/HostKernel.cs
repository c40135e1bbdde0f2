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

    public const string StatPath = "/proc/stat";

    /// <summary>When the running kernel booted (/proc/stat btime), or null when the tree has no /proc/stat.</summary>
    public static DateTimeOffset? BootTime(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var text = host.TryReadText(StatPath);
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal))
            {
                return long.TryParse(line.AsSpan(6).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                    ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                    : throw new HostFileException(StatPath, host.Resolve(StatPath), $"btime is not a number: '{line}'");
            }
        }

        return null;
    }

    public static string CommandLine(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.ReadText(CommandLinePath).Trim();
    }
}
