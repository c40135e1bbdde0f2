using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Tests.Dumps;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Bench.Catalog;

/// <summary>
/// Cataloguing 10,000 dump directories (kdumpd layout, sparse 1 GiB ELF vmcores with real
/// headers, dmesg.txt, kdumpd.json): a first scan into an empty database, and a rescan where
/// nothing changed (the daemon's start-up case).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class CatalogScanBenchmarks
{
    public const int Dumps = 10_000;

    private string _root = "";
    private string _dumps = "";
    private int _db;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("kdumpd-bench-catalog-").FullName;
        _dumps = Path.Join(_root, "crash");
        var header = SyntheticDumps.ElfHeader([(0x100000, 1UL << 30)]);
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < Dumps; i++)
        {
            var dir = Directory.CreateDirectory(Path.Join(_dumps, $"{start.AddMinutes(i):yyyyMMdd'T'HHmmss'Z'}-host{i % 97}")).FullName;
            using (var f = new FileStream(Path.Join(dir, "vmcore"), FileMode.CreateNew))
            {
                f.Write(header);
                f.SetLength(header.Length + (1L << 30));
            }

            File.WriteAllText(Path.Join(dir, "dmesg.txt"), "[   21.793926] Kernel panic - not syncing: sysrq triggered crash\n");
            File.WriteAllText(Path.Join(dir, "kdumpd.json"), "{\"complete\":true,\"generation\":3,\"started_at\":\"2020-01-01T00:00:00Z\"}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [IterationSetup(Target = nameof(FirstScan))]
    public void FreshDatabase() => _db++;

    [Benchmark]
    public int FirstScan()
    {
        var catalog = DumpCatalog.Open(Path.Join(_root, $"first-{_db}.db"), _dumps);
        return catalog.Scan().Added;
    }

    [IterationSetup(Target = nameof(RescanUnchanged))]
    public void ScannedDatabase()
    {
        DumpCatalog.Open(Path.Join(_root, "rescan.db"), _dumps).Scan();
    }

    [Benchmark]
    public int RescanUnchanged()
    {
        var catalog = DumpCatalog.Open(Path.Join(_root, "rescan.db"), _dumps);
        return catalog.Scan().Unchanged;
    }
}
