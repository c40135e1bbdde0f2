using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kdumpd.Core.Dumps.Printk;
using Kdumpd.Core.Tests.Dumps;

namespace Kdumpd.Bench.Dumps;

/// <summary>
/// dmesg from a 1 GiB vmcore (goal: under 100 ms): the real 6.1 crash of shared/fixtures/dumps
/// as the capture kernel's ELF /proc/vmcore (rebuilt from its first 8 KiB and the kdump-compressed
/// dump of the same boot) and as the LZO kdump-compressed file. Pages read are printed once.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class VmcoreDmesgBenchmarks
{
    private string _elf = "";
    private string _kdump = "";

    [GlobalSetup]
    public void Setup()
    {
        var fixtures = FindFixtures() ?? throw new InvalidOperationException("shared/fixtures/dumps not found (set KDUMPD_FIXTURES)");
        _kdump = Path.Join(fixtures, "qemu-6.1-variants", "dump-lzo.kdump");
        _elf = Path.Join(Path.GetTempPath(), "kdumpd-bench-dmesg-1g.vmcore");
        ElfFromKdump.Build(Path.Join(fixtures, "qemu-6.1-variants", "vmcore-elf-prefix.bin"), _kdump, _elf);
        var elf = VmcoreDmesg.Extract(_elf);
        var kdump = VmcoreDmesg.Extract(_kdump);
        Console.WriteLine($"// ELF {new FileInfo(_elf).Length} bytes: {elf.Records} records, {elf.PagesRead} pages read; kdump-lzo: {kdump.Records} records, {kdump.PagesRead} pages read");
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_elf);

    [Benchmark]
    public int DmesgFromElf1GiB() => VmcoreDmesg.Extract(_elf).Text!.Length;

    [Benchmark]
    public int DmesgFromKdumpLzo1GiB() => VmcoreDmesg.Extract(_kdump).Text!.Length;

    private static string? FindFixtures()
    {
        var env = Environment.GetEnvironmentVariable("KDUMPD_FIXTURES");
        if (!string.IsNullOrEmpty(env))
        {
            return Directory.Exists(Path.Join(env, "dumps")) ? Path.Join(env, "dumps") : env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Join(dir.FullName, "shared", "fixtures", "dumps");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
