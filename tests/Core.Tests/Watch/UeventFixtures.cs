namespace Kdumpd.Core.Tests.Watch;

/// <summary>The real uevent datagrams captured in QEMU guests (tests/data/uevents).</summary>
internal static class UeventFixtures
{
    public static string Root { get; } = Path.Combine(FindRepoRoot(), "tests", "data", "uevents");

    /// <summary>Every single-datagram capture (NNN.bin), as (name, bytes).</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> AllMessages() =>
        Directory.EnumerateFiles(Root, "*.bin", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "stream.bin")
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(Root, f), File.ReadAllBytes(f)));

    public static byte[] Message(string relativePath) => File.ReadAllBytes(Path.Combine(Root, relativePath));

    /// <summary>A stream.bin: each message as u32 little-endian length + bytes, exactly as the listener saved them.</summary>
    public static List<byte[]> Stream(string relativeDirectory)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Root, relativeDirectory, "stream.bin"));
        var messages = new List<byte[]>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = BitConverter.ToInt32(bytes, offset);
            messages.Add(bytes[(offset + 4)..(offset + 4 + length)]);
            offset += 4 + length;
        }

        return messages;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Daemon.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Daemon.sln above {AppContext.BaseDirectory}");
    }
}
