using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kdumpd.Core.Capture;

namespace Kdumpd.Bench.Capture;

/// <summary>
/// The built-in writer against `cp` on a 1 GiB vmcore-like file where one MiB in three holds
/// data (the rest zero, as free memory in a real vmcore): the issue asks for at least cp's speed.
/// Both make the copy durable (the writer fsyncs; cp is followed by `sync FILE`). The source is a
/// regular file (page cache warm after the first iteration); the targets are deleted between
/// iterations. cp may use copy_file_range here, which /proc/vmcore does not support.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class VmcoreCopyBenchmarks
{
    private string _dir = "";
    private string _source = "";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("kdumpd-bench-copy-").FullName;
        _source = Path.Join(_dir, "vmcore");
        var page = new byte[1 << 20];
        var zero = new byte[1 << 20];
        var random = new Random(42);
        using var f = new FileStream(_source, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (var i = 0; i < 1024; i++)
        {
            if (i % 3 == 0)
            {
                random.NextBytes(page);
                f.Write(page);
            }
            else
            {
                f.Write(zero);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [IterationCleanup]
    public void RemoveTarget()
    {
        File.Delete(Path.Join(_dir, "builtin"));
        File.Delete(Path.Join(_dir, "cp"));
    }

    [Benchmark]
    public long Builtin() => BuiltinVmcoreWriter.Copy(_source, Path.Join(_dir, "builtin"), 4 << 20).BytesWritten;

    [Benchmark(Baseline = true)]
    public int Cp()
    {
        using var p = Process.Start("sh", ["-c", "cp \"$0\" \"$1\" && sync \"$1\"", _source, Path.Join(_dir, "cp")]);
        p.WaitForExit();
        return p.ExitCode;
    }
}
