using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;
using Kdumpd.Core.Tests.Catalog;
using Kdumpd.Core.Tests.Dumps;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>
/// A dump directory with one complete kdumpd dump of real random bytes, its catalogue (a real
/// SQLite file, scanned and hashed) and an egress coordinator over the given targets.
/// </summary>
internal sealed class EgressRig : IAsyncDisposable
{
    public const string Host = "web1";

    private EgressCoordinator? _coordinator;

    public EgressRig(long vmcoreBytes = 24 << 20, int olderDumps = 0)
    {
        Root = Directory.CreateTempSubdirectory("kdumpd-egress-").FullName;
        DumpDirectory = Directory.CreateDirectory(Path.Join(Root, "crash")).FullName;
        for (var i = 1; i <= olderDumps; i++)
        {
            var older = Directory.CreateDirectory(Path.Join(DumpDirectory, $"202611{24 - i:D2}T100000Z-{Host}")).FullName;
            File.WriteAllBytes(Path.Join(older, "vmcore"), SyntheticDumps.ElfHeader([(0x100000, 0)], vmcoreinfo: SyntheticDumps.VmcoreInfoText(crashTime: SyntheticDumps.CrashTime - (86_400 * i))));
            DumpTrees.Marker(older, $$"""{"format_version":1,"hostname":"{{Host}}","complete":true}""");
        }

        DumpFolder = Directory.CreateDirectory(Path.Join(DumpDirectory, $"20261124T100000Z-{Host}")).FullName;
        VmcorePath = Path.Join(DumpFolder, "vmcore");
        SyntheticDumps.WriteRandomElf(VmcorePath, vmcoreBytes / 4096 * 4096);
        File.WriteAllText(Path.Join(DumpFolder, "dmesg.txt"), "[   21.793926] Kernel panic - not syncing: sysrq triggered crash\n");
        DumpTrees.Marker(DumpFolder, $$"""{"format_version":1,"hostname":"{{Host}}","started_at":"2026-11-24T10:00:00Z","complete":true}""");
        Database = new KdumpdDatabase(Path.Join(Root, "kdumpd.db"));
        Database.Migrate();
        Catalog = new DumpCatalog(Database, DumpDirectory);
        Catalog.Scan();
        Catalog.HashPending().Should().Be(1 + olderDumps);
        Dump = Catalog.List(new DumpQuery()).Items[0];
        Store = new EgressStateStore(Database);
    }

    public string Root { get; }

    public string DumpDirectory { get; }

    public string DumpFolder { get; }

    public string VmcorePath { get; }

    public KdumpdDatabase Database { get; }

    public DumpCatalog Catalog { get; }

    public DumpRecord Dump { get; }

    public EgressStateStore Store { get; }

    public EgressMetrics Metrics { get; } = new();

    public string RemoteFolder => DumpManifest.FolderOf(Dump, Host);

    public EgressCoordinator Coordinator(params EgressTarget[] targets)
    {
        _coordinator = new EgressCoordinator(
            new EgressOptions(targets, Path.Join(Root, "staging"), Host, TimeSpan.Zero),
            EgressUploaders.For, Catalog, new GenerationStore(Database), Store, Metrics);
        return _coordinator;
    }

    /// <summary>Every file of the dump directory with its bytes, to prove nothing local was touched.</summary>
    public Dictionary<string, long> LocalFiles() =>
        Directory.GetFiles(DumpFolder).ToDictionary(f => Path.GetFileName(f), f => new FileInfo(f).Length);

    public static EgressLimits FastLimits(int partSize = 4 << 20, int attempts = 2) =>
        new(PartSizeBytes: partSize, Concurrency: 2, RetryAttempts: attempts, RetryBaseDelay: TimeSpan.FromMilliseconds(50));

    public async ValueTask DisposeAsync()
    {
        if (_coordinator is not null)
        {
            await _coordinator.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Runs a pass in the background and calls <paramref name="atHalf"/> once half of the bytes are acknowledged.</summary>
    public async Task RunUntilHalfThenAsync(EgressCoordinator coordinator, string target, Action atHalf)
    {
        var pass = coordinator.RunPassAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!pass.IsCompleted && DateTime.UtcNow < deadline)
        {
            if (Store.Get(Dump.Id, target) is { BytesTotal: { } total, BytesDone: var done } && done >= total / 2)
            {
                atHalf();
                break;
            }

            await Task.Delay(5);
        }

        await pass;
    }
}
