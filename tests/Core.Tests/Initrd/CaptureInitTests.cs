using Kdumpd.Core.Capture;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Initrd;

namespace Kdumpd.Core.Tests.Initrd;

public sealed class CaptureInitTests : IDisposable
{
    private const string Uuid = "6f1d2a3b-0c4d-4e5f-8a9b-0c1d2e3f4a5b";
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-init-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Ext4Head(string uuid)
    {
        var head = new byte[FilesystemSuperblock.ProbeBytes];
        head[1024 + 0x38] = 0x53;
        head[1024 + 0x39] = 0xEF;
        Convert.FromHexString(uuid.Replace("-", "", StringComparison.Ordinal)).CopyTo(head, 1024 + 0x68);
        return head;
    }

    private void WriteSpec(CaptureInitrdSpec spec)
    {
        Directory.CreateDirectory(Path.Join(_root, "etc/kdumpd"));
        File.WriteAllBytes(Path.Join(_root, CaptureInitrdSpec.PathInInitrd), spec.ToUtf8Json());
    }

    private static CaptureInitrdSpec Spec(string uuid = Uuid) => new()
    {
        KernelRelease = "6.1.0-57-amd64",
        TargetUuid = uuid,
        FilesystemType = "ext4",
        PathInFilesystem = "/var/crash",
        Modules = ["lib/modules/6.1.0-57-amd64/kernel/drivers/virtio/virtio.ko", "lib/modules/6.1.0-57-amd64/kernel/drivers/block/virtio_blk.ko"],
        DeviceWaitSeconds = 2,
        WatchdogSeconds = 60,
    };

    private static CaptureResult Saved(CaptureOptions options, bool complete = true)
    {
        Directory.CreateDirectory(options.DumpDirectory);
        return new CaptureResult(options.DumpDirectory, complete ? Path.Join(options.DumpDirectory, "vmcore") : null, complete, complete ? null : "disk full after 4096 of 8192 bytes", new CaptureMetadata { VmcoreBytes = 4096 });
    }

    [Fact]
    public async Task Capture_mounts_loads_modules_in_order_finds_the_target_by_uuid_saves_and_reboots()
    {
        WriteSpec(Spec());
        var system = new FakeInitSystem { Devices = { ["vda"] = Ext4Head("00000000-0000-0000-0000-000000000001"), ["vdb"] = Ext4Head(Uuid) } };
        CaptureOptions? seen = null;

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(seen = o)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Complete, outcome.Failure);
        Assert.Equal(["proc /proc proc", "sysfs /sys sysfs", "devtmpfs /dev devtmpfs", "/dev/vdb /mnt/target ext4"], system.Mounts);
        Assert.Equal(["virtio.ko", "virtio_blk.ko"], system.Modules.Select(Path.GetFileName));
        Assert.Equal(_root + "/mnt/target/var/crash", seen!.DumpDirectory);
        Assert.Equal(FinalAction.Stay, seen.FinalAction);
        Assert.Equal(["/mnt/target"], system.Unmounts);
        Assert.Equal([false], system.Reboots);
        Assert.Contains(system.Lines, l => l.StartsWith("dump saved in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Loaded_module_files_are_removed_from_the_initramfs_and_the_memory_left_is_reported()
    {
        var spec = Spec();
        WriteSpec(spec);
        foreach (var module in spec.Modules)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Join(_root, module))!);
            File.WriteAllBytes(Path.Join(_root, module), new byte[4096]);
        }

        Directory.CreateDirectory(Path.Join(_root, "proc"));
        File.WriteAllText(Path.Join(_root, "proc/meminfo"), "MemTotal:          90112 kB\nMemFree:           40960 kB\nMemAvailable:      36864 kB\n");
        var system = new FakeInitSystem { Devices = { ["vda"] = Ext4Head(Uuid) } };

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(o)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Complete, outcome.Failure);
        Assert.All(spec.Modules, m => Assert.False(File.Exists(Path.Join(_root, m)), $"{m} is still in the initramfs"));
        Assert.Contains("memory: 36 MiB available, 40 MiB free of 88 MiB (after 2 module(s))", system.Lines);
    }

    [Fact]
    public async Task A_target_that_never_appears_runs_the_failure_action_within_the_wait_bound_and_never_captures()
    {
        WriteSpec(Spec() with { FailureAction = FailureAction.Poweroff });
        var system = new FakeInitSystem { Devices = { ["vda"] = new byte[FilesystemSuperblock.ProbeBytes] } };
        var captured = false;

        var outcome = await new CaptureInit(system, (o, _) => { captured = true; return Task.FromResult(Saved(o)); }, _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Complete);
        Assert.False(captured);
        Assert.Equal([true], system.Reboots);
        Assert.Contains(system.Lines, l => l.Contains($"CAPTURE FAILED: the dump target UUID={Uuid} did not appear within 2 s", StringComparison.Ordinal) && l.EndsWith("powering off", StringComparison.Ordinal));
        Assert.InRange(system.Waited, TimeSpan.FromSeconds(0), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task An_encrypted_target_prints_one_clear_line_and_reboots_without_asking_for_a_passphrase()
    {
        WriteSpec(Spec("0b7e5c2a-8f2b-4a57-9c55-6c1e0f6f2f10"));
        var luks = new byte[FilesystemSuperblock.ProbeBytes];
        "LUKS"u8.CopyTo(luks);
        luks[4] = 0xBA;
        luks[5] = 0xBE;
        "0b7e5c2a-8f2b-4a57-9c55-6c1e0f6f2f10"u8.CopyTo(luks.AsSpan(168));
        var system = new FakeInitSystem { Devices = { ["vda"] = luks } };

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(o)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Complete);
        Assert.Single(system.Lines, l => l.Contains("is encrypted and the capture kernel has no key", StringComparison.Ordinal));
        Assert.DoesNotContain(system.Mounts, m => m.StartsWith("/dev/vda", StringComparison.Ordinal));
        Assert.Equal([false], system.Reboots);
    }

    [Fact]
    public async Task An_incomplete_dump_runs_the_failure_action_and_keeps_the_directory()
    {
        WriteSpec(Spec());
        var system = new FakeInitSystem { Devices = { ["vda"] = Ext4Head(Uuid) } };

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(o, complete: false)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Complete);
        Assert.Equal(_root + "/mnt/target/var/crash", outcome.DumpDirectory);
        Assert.Contains(system.Lines, l => l.Contains("is incomplete: disk full", StringComparison.Ordinal));
        Assert.Equal([false], system.Reboots);
    }

    [Fact]
    public async Task An_unmountable_target_runs_the_failure_action()
    {
        WriteSpec(Spec());
        var system = new FakeInitSystem { Devices = { ["vda"] = Ext4Head(Uuid) }, FailMount = "/dev/vda" };

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(o)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Complete);
        Assert.Contains(system.Lines, l => l.Contains("mounting /dev/vda (ext4) on /mnt/target failed: Invalid argument (errno 22)", StringComparison.Ordinal));
        Assert.Equal([false], system.Reboots);
    }

    [Fact]
    public async Task The_watchdog_runs_the_failure_action_when_the_capture_hangs()
    {
        WriteSpec(Spec() with { WatchdogSeconds = 1 });
        var system = new FakeInitSystem { Devices = { ["vda"] = Ext4Head(Uuid) } };

        var outcome = await new CaptureInit(
            system,
            async (o, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return Saved(o);
            },
            _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Complete);
        Assert.Contains(system.Lines, l => l.StartsWith("watchdog: the capture did not finish within 1 s: rebooting", StringComparison.Ordinal));
        Assert.NotEmpty(system.Reboots);
    }

    [Fact]
    public async Task A_logical_volume_is_activated_with_lvm_before_the_target_search()
    {
        WriteSpec(Spec() with { Stack = DumpTargetKind.Lvm, Lvm = "/usr/sbin/lvm" });
        var system = new FakeInitSystem { Devices = { ["vda"] = new byte[FilesystemSuperblock.ProbeBytes] }, AfterLvm = ("dm-0", Ext4Head(Uuid)) };

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(o)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Complete, outcome.Failure);
        Assert.Equal(["lvm vgchange -ay --sysinit"], system.Runs);
        Assert.Contains("/dev/dm-0 /mnt/target ext4", system.Mounts);
    }

    [Fact]
    public async Task A_missing_spec_reboots_with_the_reason()
    {
        var system = new FakeInitSystem();

        var outcome = await new CaptureInit(system, (o, _) => Task.FromResult(Saved(o)), _root).RunAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Complete);
        Assert.Contains(system.Lines, l => l.Contains("CAPTURE FAILED: cannot read /etc/kdumpd/capture.json", StringComparison.Ordinal));
        Assert.Equal([false], system.Reboots);
    }

    private sealed class FakeInitSystem : IInitSystem
    {
        public Dictionary<string, byte[]> Devices { get; } = new(StringComparer.Ordinal);

        public string? FailMount { get; init; }

        public List<string> Mounts { get; } = [];

        public List<string> Unmounts { get; } = [];

        public List<string> Modules { get; } = [];

        public List<bool> Reboots { get; } = [];

        public List<string> Lines { get; } = [];

        public List<string> Runs { get; } = [];

        /// <summary>A device that appears only once lvm has run (a logical volume).</summary>
        public (string Name, byte[] Head)? AfterLvm { get; init; }

        public TimeSpan Waited { get; private set; }

        public int Mount(string source, string target, string type, string? options = null)
        {
            if (source == FailMount)
            {
                return 22;
            }

            Mounts.Add($"{source} {target} {type}");
            return 0;
        }

        public int Unmount(string target)
        {
            Unmounts.Add(target);
            return 0;
        }

        public int LoadModule(string path, bool compressed)
        {
            Modules.Add(path);
            return 0;
        }

        public IReadOnlyList<string> BlockDevices() => [.. Devices.Keys.Order(StringComparer.Ordinal)];

        public byte[]? ReadDeviceHead(string name, int count) => Devices.TryGetValue(name, out var head) ? head[..Math.Min(count, head.Length)] : null;

        public Task<int> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            Runs.Add($"{Path.GetFileName(program)} {string.Join(' ', arguments.Take(3))}");
            if (AfterLvm is { } lv)
            {
                Devices[lv.Name] = lv.Head;
            }

            return Task.FromResult(0);
        }

        public void Sync()
        {
        }

        public void Reboot(bool powerOff)
        {
            lock (Reboots)
            {
                Reboots.Add(powerOff);
            }
        }

        public void Console(string line)
        {
            lock (Lines)
            {
                Lines.Add(line);
            }
        }

        public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
        {
            Waited += delay;
            return Task.Delay(delay, cancellationToken);
        }
    }
}
