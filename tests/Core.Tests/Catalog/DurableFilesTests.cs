using Kdumpd.Core.Catalog;

namespace Kdumpd.Core.Tests.Catalog;

public sealed class DurableFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-durable-").FullName;

    [Fact]
    public void A_directory_is_synced_and_a_regular_file_is_refused_as_no_directory()
    {
        // O_DIRECTORY has this architecture's value only if opening a regular file with it fails (ENOTDIR).
        var file = Path.Join(_dir, "vmcore");
        File.WriteAllText(file, "x");

        DurableFiles.SyncDirectory(_dir).Should().Be(OperatingSystem.IsLinux());
        DurableFiles.SyncDirectory(file).Should().BeFalse();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
