using System.Diagnostics;
using System.Text.Json;
using Kdumpd.Core.Capture;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Processes;
using Kdumpd.Core.Tests.Dumps;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Capture;

public sealed class CaptureTests : IDisposable
{
    private static readonly (ulong, ulong)[] _loads = [(0x100000, 0x100000), (0x400000, 0x80000)];
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-capture-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>An ELF vmcore with data in one 32-page run out of three, zeros elsewhere, and a lone data page in a zero run.</summary>
    private string SourceVmcore(long? dataBytes = null)
    {
        var header = SyntheticDumps.ElfHeader(_loads);
        var data = new byte[dataBytes ?? (long)_loads.Sum(l => (decimal)l.Item2)];
        for (var page = 0; page < data.Length / 4096; page++)
        {
            if ((page / 32) % 3 == 0 || page % 96 == 50)
            {
                Random.Shared.NextBytes(data.AsSpan(page * 4096, 4096));
            }
        }

        var path = Path.Join(_root, "proc-vmcore");
        File.WriteAllBytes(path, [.. header, .. data]);
        return path;
    }

    private HostRoot HostWithCmdline(string cmdline)
    {
        var host = Path.Join(_root, "host");
        Directory.CreateDirectory(Path.Join(host, "proc"));
        File.WriteAllText(Path.Join(host, "proc", "cmdline"), cmdline);
        return new HostRoot(host);
    }

    [Fact]
    public void Builtin_writer_copies_byte_for_byte_and_leaves_zero_pages_as_holes()
    {
        var source = SourceVmcore();
        var target = Path.Join(_root, "copy");

        var result = BuiltinVmcoreWriter.Copy(source, target, 1 << 20, cancellationToken: Ct);

        File.ReadAllBytes(target).Should().Equal(File.ReadAllBytes(source));
        result.ZeroPagesSkipped.Should().BeGreaterThan(200, "zero runs of 17 and 45 pages between the data");
        result.BytesWritten.Should().BeLessThan(new FileInfo(source).Length / 2);
        SparseFiles.AllocatedBytes(target).Should().BeLessThan(new FileInfo(source).Length * 2 / 3, "holes take no blocks");
    }

    [Fact]
    public async Task Builtin_capture_saves_vmcore_and_kdumpd_json_that_the_catalogue_lists_as_owned_and_complete()
    {
        var source = SourceVmcore();
        var dumps = Path.Join(_root, "crash");
        var capture = new DumpCapture(new FakeRunner(makedumpfile: false), HostWithCmdline("console=ttyS0 kdumpd.generation=12 irqpoll"));

        var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = dumps, Hostname = "web1" }, Ct);

        result.Complete.Should().BeTrue(result.IncompleteReason);
        Path.GetFileName(result.Directory).Should().MatchRegex(@"^\d{8}T\d{6}Z-web1$");
        File.ReadAllBytes(Path.Join(result.Directory, "vmcore")).Should().Equal(File.ReadAllBytes(source));
        File.Exists(Path.Join(result.Directory, "vmcore-incomplete")).Should().BeFalse();
        var meta = JsonSerializer.Deserialize<CaptureMetadata>(File.ReadAllBytes(Path.Join(result.Directory, "kdumpd.json")), CaptureMetadata.JsonOptions)!;
        meta.Complete.Should().BeTrue();
        meta.Generation.Should().Be(12);
        meta.Collector.Should().Be("builtin");
        meta.Dmesg.Should().StartWith("not extracted");
        meta.VmcoreBytes.Should().Be(new FileInfo(source).Length);

        var catalog = DumpCatalog.Open(Path.Join(_root, "db", "kdumpd.db"), dumps);
        catalog.Scan(Ct);
        var row = catalog.List(new DumpQuery()).Items.Single();
        row.Layout.Should().Be("kdumpd");
        row.Owned.Should().BeTrue();
        row.Complete.Should().BeTrue(row.IncompleteReason);
        row.Format.Should().Be("elf");
        row.Generation.Should().Be(12);
        row.KernelRelease.Should().Be(SyntheticDumps.Release);
    }

    [Fact]
    public async Task Readelf_accepts_the_builtin_writers_sparse_vmcore()
    {
        var readelf = new ProcessRunner().Find("readelf");
        if (readelf is null)
        {
            Assert.Skip("readelf (binutils) is not installed");
        }

        var source = SourceVmcore();
        var capture = new DumpCapture(new FakeRunner(makedumpfile: false), HostWithCmdline(""));
        var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = Path.Join(_root, "crash"), Collector = CollectorKind.Builtin }, Ct);

        var outcome = await new ProcessRunner().RunAsync(readelf, ["-W", "-h", "-l", "-n", result.VmcorePath!], TimeSpan.FromMinutes(1), Ct);

        outcome.ExitCode.Should().Be(0, outcome.Output);
        outcome.Output.Should().Contain("CORE (Core file)");
        outcome.Output.Split('\n').Count(l => l.TrimStart().StartsWith("LOAD", StringComparison.Ordinal)).Should().Be(2);
        outcome.Output.Should().Contain("VMCOREINFO").And.NotContain("Warning");
    }

    [Fact]
    public async Task With_makedumpfile_the_capture_saves_the_dmesg_first_then_the_vmcore_with_the_configured_arguments()
    {
        var source = SourceVmcore();
        var runner = new FakeRunner(makedumpfile: true);
        var capture = new DumpCapture(runner, HostWithCmdline(""));

        var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = Path.Join(_root, "crash") }, Ct);

        result.Complete.Should().BeTrue(result.IncompleteReason);
        runner.Calls[0].Should().Equal("--dump-dmesg", source, Path.Join(result.Directory, "dmesg.txt"));
        runner.Calls[1].Should().Equal("-c", "-d", "31", source, Path.Join(result.Directory, "vmcore-incomplete"));
        File.ReadAllText(Path.Join(result.Directory, "dmesg.txt")).Should().Contain("Kernel panic");
        result.Metadata.Collector.Should().Be("makedumpfile");
        result.Metadata.Generation.Should().BeNull();
    }

    [Fact]
    public async Task A_failing_makedumpfile_falls_back_to_the_builtin_writer()
    {
        var source = SourceVmcore();
        var capture = new DumpCapture(new FakeRunner(makedumpfile: true, makedumpfileExit: 1), HostWithCmdline(""));

        var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = Path.Join(_root, "crash") }, Ct);

        result.Complete.Should().BeTrue(result.IncompleteReason);
        result.Metadata.Collector.Should().Contain("builtin");
        File.ReadAllBytes(result.VmcorePath!).Should().Equal(File.ReadAllBytes(source));
    }

    [Fact]
    public async Task A_full_disk_during_capture_keeps_the_dmesg_says_incomplete_with_the_bytes_on_disk_and_leaves_no_temporaries()
    {
        var mount = Path.Join(_root, "small");
        Directory.CreateDirectory(mount);
        if (!Mount(mount))
        {
            Assert.Skip("cannot mount an 8 MiB tmpfs here (needs root and CAP_SYS_ADMIN): the full-disk test needs a small file system");
        }

        try
        {
            var source = SourceVmcore(dataBytes: 32L << 20);
            var dumps = Path.Join(mount, "crash");
            // makedumpfile only for the dmesg; the built-in writer fills the disk.
            var capture = new DumpCapture(new FakeRunner(makedumpfile: true), HostWithCmdline(""));

            var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = dumps, Collector = CollectorKind.Builtin }, Ct);

            result.Complete.Should().BeFalse();
            result.IncompleteReason.Should().Contain("disk full");
            var partial = Path.Join(result.Directory, "vmcore-incomplete");
            File.Exists(partial).Should().BeTrue("what was written is kept");
            File.Exists(Path.Join(result.Directory, "vmcore")).Should().BeFalse("an incomplete dump never looks complete");
            var onDisk = new FileInfo(partial).Length;
            onDisk.Should().BeGreaterThan(1 << 20);
            File.ReadAllText(Path.Join(result.Directory, "dmesg.txt")).Should().Contain("Kernel panic", "the dmesg is saved before the vmcore fills the disk");
            var meta = CaptureMetadata.TryRead(Path.Join(result.Directory, "kdumpd.json"))!;
            meta.Complete.Should().BeFalse();
            meta.IncompleteReason.Should().Contain("disk full").And.Contain($"{onDisk} of ");
            meta.VmcoreBytes.Should().Be(onDisk, "the metadata counts the bytes that reached the disk");
            Directory.GetFiles(result.Directory).Select(Path.GetFileName).Should().BeEquivalentTo(["kdumpd.json", "dmesg.txt", "vmcore-incomplete"], "no temporary or reserve file is left");
            foreach (var file in Directory.GetFiles(result.Directory))
            {
                File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, file);
            }

            var catalog = DumpCatalog.Open(Path.Join(_root, "db", "kdumpd.db"), dumps);
            catalog.Scan(Ct);
            var row = catalog.List(new DumpQuery()).Items.Single();
            row.Complete.Should().BeFalse();
            row.IncompleteReason.Should().Contain("vmcore-incomplete");
            row.Owned.Should().BeTrue();
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    [Fact]
    public async Task With_no_byte_free_the_capture_still_leaves_a_folder_marked_incomplete_and_does_not_throw()
    {
        var mount = Path.Join(_root, "full");
        Directory.CreateDirectory(mount);
        if (!Mount(mount))
        {
            Assert.Skip("cannot mount an 8 MiB tmpfs here (needs root and CAP_SYS_ADMIN): the full-disk test needs a small file system");
        }

        try
        {
            var dumps = Path.Join(mount, "crash");
            Directory.CreateDirectory(dumps);
            Fill(Path.Join(mount, "filler"));
            var source = SourceVmcore();
            var capture = new DumpCapture(new FakeRunner(makedumpfile: true), HostWithCmdline(""));

            var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = dumps, Collector = CollectorKind.Builtin }, Ct);

            result.Complete.Should().BeFalse();
            result.IncompleteReason.Should().Contain("no space left").And.NotContain("\n");
            Directory.Exists(result.Directory).Should().BeTrue();
            File.Exists(Path.Join(result.Directory, "vmcore-incomplete")).Should().BeTrue("an empty vmcore-incomplete needs no data block and marks the folder");
            Directory.GetFiles(result.Directory).Select(Path.GetFileName).Should().Equal("vmcore-incomplete");
            var located = DumpLocator.Locate(dumps).Single();
            located.IncompleteMarker.Should().Be("vmcore-incomplete");
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    [Fact]
    public async Task A_capture_writes_every_file_0600_in_a_0700_folder()
    {
        var source = SourceVmcore();
        var capture = new DumpCapture(new FakeRunner(makedumpfile: true), HostWithCmdline(""));

        var result = await capture.RunAsync(new CaptureOptions { VmcorePath = source, DumpDirectory = Path.Join(_root, "crash"), Collector = CollectorKind.Builtin }, Ct);

        result.Complete.Should().BeTrue(result.IncompleteReason);
        File.GetUnixFileMode(result.Directory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.GetFiles(result.Directory).Select(Path.GetFileName).Should().BeEquivalentTo(["kdumpd.json", "dmesg.txt", "vmcore"]);
        foreach (var file in Directory.GetFiles(result.Directory))
        {
            File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, file);
        }

        CaptureMetadata.TryRead(Path.Join(result.Directory, "kdumpd.json"))!.DumpId.Should().Be(DumpId.For(Path.GetFileName(result.Directory)));
    }

    /// <summary>Fills the file system until ENOSPC.</summary>
    private static void Fill(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // full
        }

        try
        {
            for (var i = 0; i < 64; i++)
            {
                stream.Write(block.AsSpan(0, 512));
            }
        }
        catch (IOException)
        {
            // full to the last page
        }
    }

    [Fact]
    public async Task Final_action_stay_runs_nothing_and_reboot_tries_systemctl_then_reboot()
    {
        var runner = new FakeRunner(makedumpfile: false, systemctlExit: 1);
        var final = new FinalActionRunner(runner);

        (await final.RunAsync(FinalAction.Stay, Ct)).Should().BeTrue();
        runner.Programs.Should().BeEmpty();

        (await final.RunAsync(FinalAction.Reboot, Ct)).Should().BeTrue();
        runner.Programs.Should().Equal("/usr/bin/systemctl", "/usr/sbin/reboot");
        runner.Calls[0].Should().Equal("reboot", "--force", "--force");
        runner.Calls[1].Should().Equal("-f");
    }

    private static bool Mount(string path) => Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", path) == 0;

    private static int Run(string program, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            using var p = Process.Start(info)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    /// <summary>Stands in for makedumpfile and systemctl: records calls, writes plausible outputs.</summary>
    private sealed class FakeRunner(bool makedumpfile, int makedumpfileExit = 0, int systemctlExit = 0) : IProcessRunner
    {
        public List<string> Programs { get; } = [];

        public List<IReadOnlyList<string>> Calls { get; } = [];

        public string? Find(string program) => program switch
        {
            "makedumpfile" => makedumpfile ? "/usr/sbin/makedumpfile" : null,
            "systemctl" => "/usr/bin/systemctl",
            "reboot" or "poweroff" => $"/usr/sbin/{program}",
            _ => null,
        };

        public Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Programs.Add(program);
            Calls.Add(arguments);
            if (program.EndsWith("systemctl", StringComparison.Ordinal))
            {
                return Task.FromResult(Result(systemctlExit, ""));
            }

            if (program.EndsWith("makedumpfile", StringComparison.Ordinal))
            {
                if (makedumpfileExit != 0)
                {
                    return Task.FromResult(Result(makedumpfileExit, "makedumpfile Failed."));
                }

                if (arguments[0] == "--dump-dmesg")
                {
                    try
                    {
                        File.WriteAllText(arguments[2], DumpTreesText.Panic);
                    }
                    catch (IOException e)
                    {
                        return Task.FromResult(Result(1, e.Message));
                    }
                }
                else
                {
                    File.WriteAllBytes(arguments[^1], SyntheticDumps.Kdump());
                }
            }

            return Task.FromResult(Result(0, "makedumpfile Completed."));
        }
    }

    private static ProcessResult Result(int exitCode, string output) => new(exitCode, output, "", TimedOut: false, TimeSpan.Zero);

    private static class DumpTreesText
    {
        public const string Panic = "[   21.793926] Kernel panic - not syncing: sysrq triggered crash\n";
    }
}

public sealed class CaptureEnvironmentTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-capenv-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(true, "console=ttyS0 kdumpd.capture irqpoll", true)]
    [InlineData(true, "console=ttyS0 kdumpd.generation=4", true)]
    [InlineData(true, "console=ttyS0 irqpoll", false)]
    [InlineData(false, "kdumpd.capture", false)]
    public void A_capture_kernel_has_proc_vmcore_and_kdumpds_marker(bool vmcore, string cmdline, bool expected)
    {
        Directory.CreateDirectory(Path.Join(_root, "proc"));
        File.WriteAllText(Path.Join(_root, "proc", "cmdline"), cmdline + "\n");
        if (vmcore)
        {
            File.WriteAllText(Path.Join(_root, "proc", "vmcore"), "");
        }

        CaptureEnvironment.IsCaptureKernel(new HostRoot(_root)).Should().Be(expected);
    }
}
