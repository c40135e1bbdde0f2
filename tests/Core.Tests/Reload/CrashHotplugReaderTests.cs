using Kdumpd.Core.Host;
using Kdumpd.Core.Reload;
using Microsoft.Extensions.Time.Testing;

namespace Kdumpd.Core.Tests.Reload;

public sealed class CrashHotplugReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-crashhp-").FullName;
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task A_6_1_kernel_without_the_files_does_not_support_crash_hotplug()
    {
        var host = new HostRoot(Path.Combine(FindRepoRoot(), "tests", "data", "hosts", "qemu-6.1-hotplug-before-loaded"));

        var support = await new CrashHotplugReader(host, _time).ReadAsync(TestContext.Current.CancellationToken);

        support.Should().Be(CrashHotplugSupport.None);
    }

    [Fact]
    public async Task One_means_the_kernel_updates_the_header()
    {
        Write(KexecSysfs.CrashLoadedPath, "1\n");
        Write(CrashHotplugReader.MemoryPath, "1\n");
        Write(CrashHotplugReader.CpuPath, "1\n");

        var support = await Reader().ReadAsync(TestContext.Current.CancellationToken);

        support.Should().Be(new CrashHotplugSupport(CrashHotplugState.On, CrashHotplugState.On));
    }

    [Fact]
    public async Task Zero_without_a_loaded_image_is_trusted_at_once()
    {
        Write(KexecSysfs.CrashLoadedPath, "0\n");
        Write(CrashHotplugReader.MemoryPath, "0\n");

        var read = Reader().ReadOneAsync(CrashHotplugReader.MemoryPath, TestContext.Current.CancellationToken);

        read.IsCompleted.Should().BeTrue("no re-read is needed when no image is loaded");
        (await read).Should().Be(CrashHotplugState.Off);
    }

    [Fact]
    public async Task A_reading_already_made_is_not_read_again_unless_the_trylock_rule_asks()
    {
        // The files say nothing, so any extra read would show: the snapshot's answers are used as they are.
        var support = await Reader().ConfirmAsync(memory: true, cpu: false, loaded: false, TestContext.Current.CancellationToken);

        support.Should().Be(new CrashHotplugSupport(CrashHotplugState.On, CrashHotplugState.Off));
    }

    [Fact]
    public async Task A_snapshot_zero_while_an_image_is_loaded_is_re_read()
    {
        Write(KexecSysfs.CrashLoadedPath, "1\n");
        Write(CrashHotplugReader.MemoryPath, "1\n");

        var read = Reader().ConfirmAsync(memory: false, cpu: true, loaded: true, TestContext.Current.CancellationToken).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(25));

        (await read.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Should().Be(new CrashHotplugSupport(CrashHotplugState.On, CrashHotplugState.On));
    }

    [Fact]
    public async Task Zero_while_an_image_is_loaded_is_re_read_and_a_later_one_wins()
    {
        // The kexec lock was held when the file was first read: it said 0, then 1 once the lock was free.
        Write(KexecSysfs.CrashLoadedPath, "1\n");
        Write(CrashHotplugReader.MemoryPath, "0\n");

        var read = Reader().ReadOneAsync(CrashHotplugReader.MemoryPath, TestContext.Current.CancellationToken).AsTask();
        read.IsCompleted.Should().BeFalse("a 0 with an image loaded waits for a re-read");
        Write(CrashHotplugReader.MemoryPath, "1\n");
        _time.Advance(TimeSpan.FromMilliseconds(25));

        (await read.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Should().Be(CrashHotplugState.On);
    }

    [Fact]
    public async Task Zero_that_survives_every_re_read_is_off()
    {
        Write(KexecSysfs.CrashLoadedPath, "1\n");
        Write(CrashHotplugReader.MemoryPath, "0\n");

        var read = Reader().ReadOneAsync(CrashHotplugReader.MemoryPath, TestContext.Current.CancellationToken).AsTask();
        for (var i = 0; i < 3; i++)
        {
            read.IsCompleted.Should().BeFalse($"re-read {i + 1} of 3 is still pending");
            _time.Advance(TimeSpan.FromMilliseconds(25));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        (await read.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Should().Be(CrashHotplugState.Off);
    }

    private CrashHotplugReader Reader() => new(new HostRoot(_root), _time, attempts: 4, retryDelay: TimeSpan.FromMilliseconds(25));

    private void Write(string hostPath, string text)
    {
        var path = Path.Join(_root, hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
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

        throw new InvalidOperationException("no Daemon.sln above the test binaries");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
