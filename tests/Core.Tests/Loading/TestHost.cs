using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Loading;

/// <summary>Where the repository's real fixtures live, found from the test binary upwards.</summary>
internal static class Fixtures
{
    public static string Data { get; } = Find();

    public static string Host(string name) => Path.Join(Data, "hosts", name);

    public static string KernelHead => Path.Join(Data, "kernels", "vmlinuz-6.1.0-56-amd64.head");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Join(dir.FullName, "tests", "data");
            if (Directory.Exists(Path.Join(candidate, "hosts")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/data not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A host tree in a temp directory, optionally seeded from a real fixture tree.</summary>
internal sealed class TempHost : IDisposable
{
    public TempHost(string? fixture = null)
    {
        Root = Directory.CreateTempSubdirectory("kdumpd-host-").FullName;
        if (fixture is not null)
        {
            var source = Fixtures.Host(fixture);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var target = Path.Join(Root, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        Host = new HostRoot(Root);
    }

    public string Root { get; }

    public HostRoot Host { get; }

    public string DatabasePath => Path.Join(Root, "var", "lib", "kdumpd", "kdumpd.db");

    public TempHost Write(string hostPath, string text)
    {
        var path = Host.Resolve(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public TempHost WriteBytes(string hostPath, byte[] bytes)
    {
        var path = Host.Resolve(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return this;
    }

    public string? Read(string hostPath) => Host.TryReadText(hostPath)?.Trim();

    /// <summary>A capture kernel made of the real Debian bzImage header (init_size 63.6 MiB) and an initrd of the given size.</summary>
    public (string Kernel, string Initrd) InstallDebianImages(string release = "6.1.0-56-amd64", int initrdBytes = 1_500_000)
    {
        WriteBytes($"/boot/vmlinuz-{release}", File.ReadAllBytes(Fixtures.KernelHead));
        WriteBytes($"/boot/initrd.img-{release}", new byte[initrdBytes]);
        Write("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n");
        return (Host.Resolve($"/boot/vmlinuz-{release}"), Host.Resolve($"/boot/initrd.img-{release}"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>
/// A fake kexec_file_load that behaves like the kernel towards the host tree: it spends a
/// kexec_load_limit_panic unit at entry (EPERM at 0), keeps the old image on EBUSY/EPERM, frees it before
/// any other failure, and sets kexec_crash_loaded on success.
/// </summary>
internal sealed class FakeKexecSyscalls(TempHost host, params int[] errnos) : IKexecSyscalls
{
    private readonly Queue<int> _errnos = new(errnos);

    public List<(int KernelFd, int InitrdFd, byte[] CommandLine, KexecFileLoadOptions Flags)> Calls { get; } = [];

    public int KexecFileLoad(int kernelFd, int initrdFd, ReadOnlySpan<byte> commandLine, KexecFileLoadOptions flags)
    {
        Calls.Add((kernelFd, initrdFd, commandLine.ToArray(), flags));
        if (host.Read(KexecSysfs.LoadLimitPanicPath) is { } limitText && int.Parse(limitText, System.Globalization.CultureInfo.InvariantCulture) is var limit && limit != -1)
        {
            if (limit == 0)
            {
                return Errno.EPERM;
            }

            host.Write(KexecSysfs.LoadLimitPanicPath, $"{limit - 1}\n");
        }

        var errno = _errnos.Count > 1 ? _errnos.Dequeue() : _errnos.Count == 1 ? _errnos.Peek() : 0;
        if (errno is Errno.EBUSY or Errno.EPERM or Errno.ENOSYS)
        {
            return errno;
        }

        var loaded = errno == 0 && !flags.HasFlag(KexecFileLoadOptions.Unload);
        host.Write(KexecSysfs.CrashLoadedPath, loaded ? "1\n" : "0\n");
        return errno;
    }
}
