using System.Diagnostics;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>
/// A tmpfs of a few MiB mounted over a server's data directory: a target that fills up for real
/// (ENOSPC from the kernel, not a simulated error). Needs root and mount(8): <see cref="SkipReason"/>.
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    public SmallTmpfs(string directory, int mebibytes)
    {
        Directory.CreateDirectory(directory);
        Mount("mount", "-t", "tmpfs", "-o", $"size={mebibytes}m,mode=0755", "kdumpd-test-full", directory);
        MountPoint = directory;
    }

    public static string? SkipReason => Environment.UserName != "root" ? "mounting a small tmpfs needs root" : null;

    public string MountPoint { get; }

    public void Dispose() => Mount("umount", "-l", MountPoint);

    private static void Mount(string tool, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true })!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {error}");
        }
    }
}
