using System.Diagnostics;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>
/// A tmpfs of a few MiB (and, when given, a few inodes) mounted over a server's data directory: a
/// target that fills up for real (ENOSPC from the kernel, not a simulated error). Needs root and
/// mount(8): <see cref="SkipReason"/>.
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    public SmallTmpfs(string directory, int mebibytes, int? inodes = null)
    {
        Directory.CreateDirectory(directory);
        Mount("mount", "-t", "tmpfs", "-o", $"size={mebibytes}m,mode=0755{(inodes is { } n ? $",nr_inodes={n}" : "")}", "kdumpd-test-full", directory);
        MountPoint = directory;
    }

    public static string? SkipReason => Environment.UserName != "root" ? "mounting a small tmpfs needs root" : null;

    public string MountPoint { get; }

    /// <summary>Creates empty files until the kernel answers ENOSPC: no new file or directory fits. Returns them.</summary>
    public IReadOnlyList<string> ExhaustInodes()
    {
        var made = new List<string>();
        for (var i = 0; ; i++)
        {
            var path = Path.Join(MountPoint, $".filler-{i}");
            try
            {
                File.WriteAllBytes(path, []);
                made.Add(path);
            }
            catch (IOException) when (i > 0)
            {
                return made;
            }
        }
    }

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
