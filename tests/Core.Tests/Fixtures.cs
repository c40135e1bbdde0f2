using Kdumpd.Core.Host;

namespace Kdumpd.Core.Tests;

/// <summary>Finds the repository's tests/data from the test binary's directory.</summary>
internal static class Fixtures
{
    public static string DataDirectory { get; } = FindData();

    public static string HostsDirectory => Path.Combine(DataDirectory, "hosts");

    public static string HostPath(string name) => Path.Combine(HostsDirectory, name);

    public static HostRoot Host(string name) => new(HostPath(name));

    public static HostSnapshot Snapshot(string name) => HostReader.Read(Host(name));

    private static string FindData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data", "hosts");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(dir.FullName, "tests", "data");
            }
        }

        throw new DirectoryNotFoundException($"tests/data not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A scratch directory that copies a fixture tree so a test can break one file of it.</summary>
internal sealed class ScratchHost : IDisposable
{
    public ScratchHost(string? fixture = null)
    {
        Root = Directory.CreateTempSubdirectory("kdumpd-host-").FullName;
        if (fixture is not null)
        {
            Copy(Fixtures.HostPath(fixture), Root);
        }
    }

    public string Root { get; }

    public HostRoot HostRoot => new(Root);

    public void Write(string hostPath, string text)
    {
        var path = Path.Join(Root, hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Delete(string hostPath) => File.Delete(Path.Join(Root, hostPath));

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Copy(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Join(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Join(to, Path.GetRelativePath(from, file)));
        }
    }
}
