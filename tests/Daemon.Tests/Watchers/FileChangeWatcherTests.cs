using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Watchers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kdumpd.Daemon.Tests.Watchers;

public sealed class FileChangeWatcherTests : IDisposable
{
    private readonly string _boot = Directory.CreateTempSubdirectory("kdumpd-boot-").FullName;

    [Fact]
    public async Task A_kernel_renamed_into_place_by_a_package_manager_is_seen()
    {
        var kernel = Path.Combine(_boot, "vmlinuz-6.12.0");
        var initrd = Path.Combine(_boot, "initrd.img-6.12.0");
        await File.WriteAllTextAsync(kernel, "old kernel", TestContext.Current.CancellationToken);
        await using var rig = new WatcherRig();
        using var watcher = Start(rig, kernel, initrd);

        // dpkg: write vmlinuz-6.12.0.dpkg-new, then rename(2) it over the old name
        var temporary = kernel + ".dpkg-new";
        await File.WriteAllTextAsync(temporary, "new kernel", TestContext.Current.CancellationToken);
        File.Move(temporary, kernel, overwrite: true);
        var pass = await rig.NextPassAsync();

        pass.Should().NotBeNull();
        pass!.Burst.Kinds.Should().BeEquivalentTo([ReloadTriggerKind.KernelFileChanged]);
        pass.Burst.Samples.Should().Contain(t => t.Path == kernel && t.Detail == "Renamed");
    }

    [Fact]
    public async Task A_new_initrd_written_in_place_is_seen_and_unrelated_files_are_not()
    {
        var kernel = Path.Combine(_boot, "vmlinuz");
        var initrd = Path.Combine(_boot, "initrd.img");
        await using var rig = new WatcherRig();
        using var watcher = Start(rig, kernel, initrd);

        await File.WriteAllTextAsync(Path.Combine(_boot, "System.map-6.12.0"), "unrelated", TestContext.Current.CancellationToken);
        var quiet = await rig.NextPassAsync(TimeSpan.FromMilliseconds(500));
        await File.WriteAllTextAsync(initrd, "initramfs", TestContext.Current.CancellationToken);
        var pass = await rig.NextPassAsync();

        quiet.Should().BeNull("System.map is not a watched file");
        pass!.Burst.Kinds.Should().BeEquivalentTo([ReloadTriggerKind.InitrdFileChanged]);
    }

    [Fact]
    public async Task A_missing_directory_is_reported_and_not_fatal()
    {
        await using var rig = new WatcherRig();
        using var watcher = Start(rig, Path.Combine(_boot, "no-such-dir", "vmlinuz"), null);

        watcher.Directories.Should().BeEmpty();
        rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).Watchers[FileChangeWatcher.WatcherName].Detail.Should().Contain("no-such-dir");
    }

    private static FileChangeWatcher Start(WatcherRig rig, string kernel, string? initrd)
    {
        var watcher = new FileChangeWatcher(rig.Coordinator, new WatchOptions { KernelPath = kernel, InitrdPath = initrd }, NullLogger<FileChangeWatcher>.Instance);
        watcher.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return watcher;
    }

    public void Dispose() => Directory.Delete(_boot, recursive: true);
}
