using System.IO.Compression;
using Kdumpd.Core.Initrd;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Initrd;

/// <summary>
/// The builder on a host tree laid out as sysfs lays out a virtio disk (relative links from /sys/dev/block
/// and the driver/module links), the real modules.dep of Debian's 6.1 kernel (the qemu-6.1-virtio-ext4
/// fixture), and this machine's real glibc for the libraries.
/// </summary>
public sealed class CaptureInitrdBuilderTests : IDisposable
{
    private const string Release = "6.1.0-57-amd64";
    private const string Uuid = "6f1d2a3b-0c4d-4e5f-8a9b-0c1d2e3f4a5b";
    private const string Disk = "/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda";
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-initrd-").FullName;
    private readonly string _cache;

    public CaptureInitrdBuilderTests()
    {
        _cache = Path.Join(_root, "var/lib/kdumpd/initrd");
        Write("/proc/self/mountinfo", "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n23 22 0:5 / /proc rw - proc proc rw\n");
        Link("/sys/dev/block/252:1", "../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");
        Write($"{Disk}/vda1/partition", "1\n");
        Write($"{Disk}/vda1/dev", "252:1\n");
        Link("/sys/devices/pci0000:00/0000:00:04.0/virtio1/driver", "../../../../bus/virtio/drivers/virtio_blk");
        Link("/sys/bus/virtio/drivers/virtio_blk/module", "../../../../module/virtio_blk");
        Link("/sys/devices/pci0000:00/0000:00:04.0/driver", "../../../bus/pci/drivers/virtio-pci");
        Link("/sys/bus/pci/drivers/virtio-pci/module", "../../../../module/virtio_pci");
        Directory.CreateDirectory(Path.Join(_root, "sys/module/virtio_blk"));
        Directory.CreateDirectory(Path.Join(_root, "sys/module/virtio_pci"));
        Link($"/dev/disk/by-uuid/{Uuid}", "../../vda1");
        var fixture = Fixtures.HostPath("qemu-6.1-virtio-ext4");
        foreach (var file in Directory.EnumerateFiles(Path.Join(fixture, "lib/modules", Release)))
        {
            Write($"/lib/modules/{Release}/{Path.GetFileName(file)}", File.ReadAllText(file));
        }

        // Module files: the index is real, their bytes do not matter to the builder.
        foreach (var line in File.ReadAllLines(Path.Join(fixture, "lib/modules", Release, "modules.dep")))
        {
            Write($"/lib/modules/{Release}/{line[..line.IndexOf(':', StringComparison.Ordinal)]}", $"module {line}");
        }

        foreach (var dir in new[] { "lib/x86_64-linux-gnu", "lib64", "usr/lib/x86_64-linux-gnu" })
        {
            if (Directory.Exists("/" + dir))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Join(_root, dir))!);
                Directory.CreateSymbolicLink(Path.Join(_root, dir), "/" + dir);
            }
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Binary => "/usr/bin/cpio";

    private CaptureInitrdSettings Settings(string dumpDirectory = "/var/crash") => new()
    {
        DumpDirectory = dumpDirectory,
        InitBinary = Binary,
        CacheDirectory = _cache,
        Capture = CaptureInitrdSpec.Defaults with { Collector = "builtin" },
    };

    private void Write(string hostPath, string text)
    {
        var path = Path.Join(_root, hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Link(string hostPath, string target)
    {
        var path = Path.Join(_root, hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }

    /// <summary>The content of <paramref name="member"/> in the gzip'd cpio at <paramref name="initrd"/>, read back with cpio.</summary>
    private byte[] Unpacked(string initrd, string member)
    {
        var cpio = Path.Join(_root, "unpacked.cpio");
        using (var gzip = new GZipStream(File.OpenRead(initrd), CompressionMode.Decompress))
        using (var file = File.Create(cpio))
        {
            gzip.CopyTo(file);
        }

        var into = Directory.CreateTempSubdirectory("kdumpd-unpacked-").FullName;
        try
        {
            var (code, _) = ToolRunner.Run("cpio", $"-id --quiet {member}", workingDirectory: into, stdinFile: cpio);
            Assert.Equal(0, code);
            return File.ReadAllBytes(Path.Join(into, member));
        }
        finally
        {
            Directory.Delete(into, recursive: true);
        }
    }

    private CaptureInitrd Build(CaptureInitrdSettings? settings = null) => new CaptureInitrdBuilder(new(_root)).Build(settings ?? Settings(), Release);

    [Fact]
    public void Target_on_a_virtio_partition_resolves_to_the_disk_its_bus_driver_and_ext4()
    {
        var target = new DumpTargetResolver(new(_root)).Resolve("/var/crash");

        Assert.Equal(DumpTargetKind.Plain, target.Stack);
        Assert.Equal(Uuid, target.FilesystemUuid);
        Assert.Equal("/var/crash", target.PathInFilesystem);
        Assert.Equal(["vda1", "vda"], target.DeviceChain);
        Assert.Equal(["virtio_blk", "virtio_pci", "ext4"], target.Modules);
        Assert.Empty(target.Findings);
    }

    [Fact]
    public void Initrd_holds_init_the_libraries_and_the_modules_in_load_order_and_cpio_reads_it()
    {
        Assert.SkipWhen(!File.Exists(Binary) || ToolRunner.Find("cpio") is null, "cpio is not installed");

        var initrd = Build();

        Assert.Contains("init", initrd.Files);
        Assert.Contains(initrd.Files, f => f.EndsWith("/libc.so.6", StringComparison.Ordinal));
        Assert.Contains("lib64/ld-linux-x86-64.so.2", initrd.Files);
        Assert.Contains("dev/urandom", initrd.Files);
        Assert.Equal(initrd.Spec.Modules.Select(Path.GetFileName), initrd.Spec.Modules.Select(Path.GetFileName).Distinct());
        var names = initrd.Spec.Modules.Select(m => KernelModuleIndex.NameOf(m)).ToList();
        Assert.True(names.IndexOf("virtio_ring") < names.IndexOf("virtio_blk"));
        Assert.True(names.IndexOf("jbd2") < names.IndexOf("ext4"));
        Assert.Equal(Uuid, initrd.Spec.TargetUuid);
        var cpio = Path.Join(_root, "initrd.cpio");
        using (var gzip = new GZipStream(File.OpenRead(initrd.Path), CompressionMode.Decompress))
        using (var file = File.Create(cpio))
        {
            gzip.CopyTo(file);
        }

        Assert.Equal(initrd.UnpackedBytes, new FileInfo(cpio).Length);
        var (code, listing) = ToolRunner.Run("cpio", "-it --quiet", stdinFile: cpio);
        Assert.Equal(0, code);
        Assert.Equal(initrd.Files, listing.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        if (ToolRunner.Find("lsinitramfs") is not null)
        {
            var (lsCode, ls) = ToolRunner.Run("lsinitramfs", initrd.Path);
            Assert.True(lsCode == 0, ls);
            Assert.Contains("etc/kdumpd/capture.json", ls, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_library_the_host_links_to_another_is_carried_once_as_a_link_to_its_file()
    {
        const string Interpreter = "/lib64/ld-linux-x86-64.so.2";
        Assert.SkipWhen(!File.Exists(Binary) || ToolRunner.Find("cpio") is null, "cpio is not installed");
        Assert.SkipWhen(new FileInfo(Interpreter).LinkTarget is null, $"{Interpreter} is no symbolic link on this machine");
        var linked = new FileInfo(Interpreter).ResolveLinkTarget(returnFinalTarget: true)!.FullName;

        var initrd = Build();

        var cpio = Path.Join(_root, "initrd.cpio");
        using (var gzip = new GZipStream(File.OpenRead(initrd.Path), CompressionMode.Decompress))
        using (var file = File.Create(cpio))
        {
            gzip.CopyTo(file);
        }

        var (code, listing) = ToolRunner.Run("cpio", "-itv --quiet", stdinFile: cpio);
        Assert.Equal(0, code);
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var link = Assert.Single(lines, l => l.Contains(" lib64/ld-linux-x86-64.so.2", StringComparison.Ordinal));
        Assert.StartsWith("l", link, StringComparison.Ordinal);
        Assert.EndsWith($"-> {new FileInfo(Interpreter).LinkTarget}", link, StringComparison.Ordinal);
        var regular = lines.Where(l => l.StartsWith('-') && l.EndsWith("/ld-linux-x86-64.so.2", StringComparison.Ordinal)).ToList();
        Assert.Single(regular);
        Assert.Contains($" {linked.TrimStart('/')}", regular[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsigned_module_is_a_finding_because_the_locked_down_capture_kernel_refuses_it()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");
        var signed = File.ReadAllText(Path.Join(_root, $"lib/modules/{Release}/kernel/drivers/block/virtio_blk.ko")) + "signature bytes" + KernelModuleSignature.Marker;
        Write($"/lib/modules/{Release}/kernel/drivers/block/virtio_blk.ko", signed);

        var initrd = Build();

        Assert.True(KernelModuleSignature.IsSigned(System.Text.Encoding.ASCII.GetBytes(signed)));
        Assert.Contains(initrd.Findings, f => f.StartsWith("module ext4 is not signed", StringComparison.Ordinal) && f.Contains("lockdown=none", StringComparison.Ordinal));
        Assert.DoesNotContain(initrd.Findings, f => f.StartsWith("module virtio_blk ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_host_reuses_the_same_file_and_a_changed_configuration_gives_a_new_one()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");

        var first = Build();
        var again = Build();
        var changed = Build(Settings() with { Capture = Settings().Capture with { WatchdogSeconds = 600 } });

        Assert.False(first.Reused);
        Assert.True(again.Reused);
        Assert.Equal(first.Path, again.Path);
        Assert.Equal(first.Key, again.Key);
        Assert.NotEqual(first.Key, changed.Key);
        Assert.NotEqual(first.Path, changed.Path);
    }

    [Fact]
    public void An_unchanged_host_finds_its_initrd_by_remembered_digests_without_reading_a_member()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");
        var digestsFile = Path.Join(_root, "digests.json");

        var first = new CaptureInitrdBuilder(new(_root)).Build(Settings(), Release, FileDigests.At(digestsFile));
        var remembered = FileDigests.At(digestsFile);
        var again = new CaptureInitrdBuilder(new(_root)).Build(Settings(), Release, remembered);

        again.Reused.Should().BeTrue();
        again.Key.Should().Be(first.Key);
        again.UnpackedBytes.Should().Be(first.UnpackedBytes, "the manifest's lengths give the archive's length without building it");
        remembered.Computed.Should().Be(0, "every member's digest was remembered by its identity: the next process reads none of them");
    }

    [Fact]
    public void A_member_whose_content_changed_gives_a_new_key_and_a_new_archive_with_it()
    {
        Assert.SkipWhen(!File.Exists(Binary) || ToolRunner.Find("cpio") is null, "cpio is not installed");
        var digests = FileDigests.InMemory();
        var first = new CaptureInitrdBuilder(new(_root)).Build(Settings(), Release, digests);
        var module = first.Spec.Modules.First(m => m.EndsWith("/virtio_blk.ko", StringComparison.Ordinal));
        var hostModule = Path.Join(_root, "lib/modules", Release, module[$"lib/modules/{Release}/".Length..]);

        // Same length, new bytes: a rebuilt module of the same size (its ctime moves, so its digest is read again).
        var bytes = File.ReadAllBytes(hostModule);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(hostModule, bytes);
        var second = new CaptureInitrdBuilder(new(_root)).Build(Settings(), Release, digests);

        second.Reused.Should().BeFalse();
        second.Key.Should().NotBe(first.Key);
        Unpacked(second.Path, module).Should().Equal(bytes, "the archive carries the module as it is now");
    }

    [Fact]
    public void A_built_initrd_cut_short_on_the_disk_is_built_again_not_reused()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");
        var first = Build();
        var whole = File.ReadAllBytes(first.Path);
        File.WriteAllBytes(first.Path, whole.AsSpan(0, whole.Length / 2).ToArray());

        var again = Build();

        again.Reused.Should().BeFalse("its gzip trailer does not state the archive's length");
        again.Path.Should().Be(first.Path);
        File.ReadAllBytes(again.Path).Should().Equal(whole, "the archive is reproducible");
    }

    [Fact]
    public void A_read_only_view_takes_the_last_built_initrd_with_its_sizes_and_builds_none()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");

        CaptureInitrdBuilder.LastBuilt(Settings(), Release).Should().BeNull("nothing is built yet");
        Directory.Exists(_cache).Should().BeFalse("looking builds nothing");
        var built = Build();

        var last = CaptureInitrdBuilder.LastBuilt(Settings(), Release)!;

        last.Path.Should().Be(built.Path);
        last.CompressedBytes.Should().Be(built.CompressedBytes);
        last.UnpackedBytes.Should().Be(built.UnpackedBytes, "gzip's ISIZE trailer holds the archive's length");
        built.Key.Should().StartWith(last.Key);
        CaptureInitrdBuilder.LastBuilt(Settings(), "6.1.0-99-amd64").Should().BeNull("none is built for another release");
    }

    [Fact]
    public void Without_makedumpfile_on_the_host_the_initrd_uses_the_builtin_writer_and_says_so()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");

        var initrd = Build(Settings() with { Capture = CaptureInitrdSpec.Defaults });

        Assert.Equal("auto", CaptureInitrdSpec.Defaults.Collector);
        Assert.Equal("builtin", initrd.Spec.Collector);
        Assert.DoesNotContain("usr/sbin/makedumpfile", initrd.Files);
        Assert.Contains(initrd.Findings, f => f.Contains("makedumpfile is not installed", StringComparison.Ordinal));
    }

    [Fact]
    public void The_spec_carries_the_configured_capture_and_the_resolved_target()
    {
        Assert.SkipWhen(!File.Exists(Binary), $"{Binary} is not installed");

        var initrd = Build(Settings() with { Capture = Settings().Capture with { WatchdogSeconds = 77, FailureAction = FailureAction.Poweroff } });
        var read = CaptureInitrdSpec.Parse(initrd.Spec.ToUtf8Json());

        Assert.Equal(77, read.WatchdogSeconds);
        Assert.Equal(FailureAction.Poweroff, read.FailureAction);
        Assert.Equal(CaptureInitrdSpec.Defaults.DeviceWaitSeconds, read.DeviceWaitSeconds);
        Assert.Equal(Uuid, read.TargetUuid);
        Assert.Equal(Release, read.KernelRelease);
        Assert.Throws<System.Text.Json.JsonException>(() => CaptureInitrdSpec.Parse(CaptureInitrdSpec.Defaults.ToUtf8Json()));
    }

    [Fact]
    public void An_encrypted_target_is_refused_at_build_time_with_a_clear_reason()
    {
        Write("/proc/self/mountinfo", "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/root rw\n");
        File.Delete(Path.Join(_root, "sys/dev/block/252:1"));
        Link("/sys/dev/block/253:0", "../../devices/virtual/block/dm-0");
        Write("/sys/devices/virtual/block/dm-0/dm/uuid", "CRYPT-LUKS2-0b7e5c2a8f2b4a579c556c1e0f6f2f10-root\n");
        Link("/sys/devices/virtual/block/dm-0/slaves/vda1", "../../../../pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");

        var error = Assert.Throws<CaptureInitrdException>(() => Build());

        Assert.Contains("encrypted device (dm-crypt in dm-0 → vda1 → vda)", error.Message, StringComparison.Ordinal);
        Assert.Contains("must not ask for a passphrase", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dump_directory_on_no_block_device_is_refused()
    {
        Write("/proc/self/mountinfo", "22 1 252:1 / / rw - ext4 /dev/vda1 rw\n30 22 0:40 / /var/crash rw - nfs4 server:/dumps rw\n");

        var error = Assert.Throws<CaptureInitrdException>(() => Build());

        Assert.Contains("server:/dumps (nfs4, device 0:40), which is no block device", error.Message, StringComparison.Ordinal);
    }
}
