using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kdumpd.Core.Dumps;
using Kdumpd.Core.Tests.Dumps;

namespace Kdumpd.Bench.Dumps;

/// <summary>
/// Reading the header of a sparse ELF vmcore of 1 GiB and 64 GiB: time and bytes read must not
/// depend on the dump's size. Bytes read are counted by <see cref="FileDumpSource.BytesRead"/> and
/// printed once per size.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class HeaderReadBenchmarks
{
    private string _path = "";

    [Params(1, 64)]
    public int GiB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Join(Path.GetTempPath(), $"kdumpd-bench-vmcore-{GiB}g");

        // Four PT_LOADs (as a machine with four memory ranges) sharing GiB GiB, data a hole: only
        // the size changes between the two cases, never the header.
        var quarter = (ulong)GiB << 28;
        var loads = Enumerable.Range(0, 4).Select(i => ((ulong)i * quarter, quarter)).ToArray();
        SyntheticDumps.WriteSparseElf(_path, loads);
        using var source = FileDumpSource.Open(_path);
        var info = DumpProbe.Probe(source);
        Console.WriteLine($"// {GiB} GiB sparse ELF vmcore ({source.Length} bytes, {info.Loads.Count} PT_LOADs): header read in {source.BytesRead} bytes");
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public long ReadElfHeader()
    {
        using var source = FileDumpSource.Open(_path);
        var info = DumpProbe.Probe(source);
        return source.BytesRead + info.Loads.Count;
    }
}
