namespace Kdumpd.Daemon.Tests;

/// <summary>The repository the test binaries were built from: its deploy files and its tests/data fixtures.</summary>
internal static class Repo
{
    /// <summary>The directory holding Daemon.sln, found above the test binaries.</summary>
    public static string Root { get; } = Find();

    /// <summary>A path under tests/data.</summary>
    public static string Data(params string[] parts) => Path.Join([Root, "tests", "data", .. parts]);

    /// <summary>
    /// Copies the qemu-6.1-1g-ck256 host into <paramref name="root"/> with what the loading verbs also need: a
    /// kernel (its first bytes) and an initrd under /boot, and an os-release.
    /// </summary>
    public static void CopyLoadableHost(string root)
    {
        var fixture = Data("hosts", "qemu-6.1-1g-ck256");
        foreach (var file in Directory.EnumerateFiles(fixture, "*", SearchOption.AllDirectories))
        {
            var target = Path.Join(root, Path.GetRelativePath(fixture, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        Directory.CreateDirectory(Path.Join(root, "boot"));
        File.Copy(Data("kernels", "vmlinuz-6.1.0-56-amd64.head"), Path.Join(root, "boot", "vmlinuz-6.1.0-56-amd64"));
        File.WriteAllBytes(Path.Join(root, "boot", "initrd.img-6.1.0-56-amd64"), new byte[1_000_000]);
        Directory.CreateDirectory(Path.Join(root, "etc"));
        File.WriteAllText(Path.Join(root, "etc", "os-release"), "ID=debian\n");
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Daemon.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Daemon.sln not found above " + AppContext.BaseDirectory);
    }
}
