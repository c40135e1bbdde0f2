using System.Security.Cryptography;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Tests.Dumps;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Catalog;

public sealed class DumpCatalogTests : IDisposable
{
    private readonly DumpTrees _trees = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _dbDir = Directory.CreateTempSubdirectory("kdumpd-catalog-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _trees.Dispose();
        Directory.Delete(_dbDir, recursive: true);
    }

    private DumpCatalog Catalog(string db = "kdumpd.db", Func<string, long>? freeSpace = null)
    {
        var database = new KdumpdDatabase(Path.Join(_dbDir, db));
        database.Migrate();
        return new DumpCatalog(database, _trees.Root, freeSpace: freeSpace);
    }

    private static DumpRecord ByDir(DumpCatalog c, string name) =>
        c.List(new DumpQuery(Limit: 1000)).Items.Single(d => Path.GetFileName(d.Directory) == name);

    [Fact]
    public void Scan_catalogues_every_layout_with_format_kernel_panic_and_state()
    {
        _trees.BuildAllLayouts();
        var catalog = Catalog();

        var result = catalog.Scan(Ct);

        result.Found.Should().Be(8);
        result.Added.Should().Be(8);
        var kdumpd = ByDir(catalog, "20261124T100000Z-web1");
        kdumpd.Layout.Should().Be("kdumpd");
        kdumpd.Owned.Should().BeTrue();
        kdumpd.Format.Should().Be("elf");
        kdumpd.FileSize.Should().BeGreaterThan(3L << 30, "the sparse vmcore's apparent size");
        kdumpd.Generation.Should().Be(7);
        kdumpd.CpuCount.Should().Be(2);
        kdumpd.Complete.Should().BeTrue();
        kdumpd.PanicSummary.Should().Be("Kernel panic - not syncing: sysrq triggered crash");

        var fedora = ByDir(catalog, "127.0.0.1-2026-11-24-07:57:28");
        fedora.Format.Should().Be("kdump-compressed");
        fedora.Compression.Should().Be("zlib");
        fedora.KernelRelease.Should().Be(SyntheticDumps.Release);
        fedora.CrashTime.Should().Be(DateTimeOffset.FromUnixTimeSeconds(SyntheticDumps.CrashTime));
        fedora.PanicSummary.Should().Be("BUG: kernel NULL pointer dereference, address: 0000000000000000");
        fedora.CallTrace.Should().Equal("my_driver_probe+0x12/0x40 [mydrv]", "really_probe+0xdb/0x380");
        fedora.Owned.Should().BeFalse();

        ByDir(catalog, "192.168.1.5-2026-11-23-01:02:03").Complete.Should().BeFalse();
        ByDir(catalog, "202611240930").Format.Should().Be("flattened-kdump");
        ByDir(catalog, "202611220800").Complete.Should().BeFalse();
        ByDir(catalog, "202611210800").Compression.Should().Be("gzip");
        ByDir(catalog, "202611210800").Format.Should().Be("flattened-kdump");
        ByDir(catalog, "202611210800").KernelRelease.Should().Be(SyntheticDumps.Release);
        ByDir(catalog, "2026-11-24-08-15").Compression.Should().Be("zstd");
        ByDir(catalog, "2026-11-24-08-15").Complete.Should().BeTrue();
        ByDir(catalog, "2026-11-20-08-15").Complete.Should().BeFalse();
        catalog.List(new DumpQuery(Complete: false)).Total.Should().Be(3);
    }

    [Fact]
    public void A_second_scan_reads_nothing_again_and_a_changed_dump_is_reread()
    {
        _trees.BuildAllLayouts();
        var catalog = Catalog();
        catalog.Scan(Ct);

        catalog.Scan(Ct).Should().Be(new DumpScanResult(8, 0, 0, 8, 0, 0));

        // Fedora's capture finishes: vmcore-incomplete becomes vmcore.
        var dir = Path.Join(_trees.Root, "192.168.1.5-2026-11-23-01:02:03");
        File.Delete(Path.Join(dir, "vmcore-incomplete"));
        DumpTrees.SparseElf(dir, "vmcore");
        catalog.Scan(Ct).Updated.Should().Be(1);
        ByDir(catalog, "192.168.1.5-2026-11-23-01:02:03").Complete.Should().BeTrue();
    }

    [Fact]
    public void A_deleted_database_is_rebuilt_with_the_same_ids_and_rows()
    {
        _trees.BuildAllLayouts();
        var first = Catalog("a.db");
        first.Scan(Ct);
        var before = first.List(new DumpQuery(Limit: 1000)).Items;
        SqliteConnection.ClearAllPools();
        File.Delete(Path.Join(_dbDir, "a.db"));

        var rebuilt = Catalog("a.db");
        rebuilt.Scan(Ct);
        var after = rebuilt.List(new DumpQuery(Limit: 1000)).Items;

        after.Select(d => d.Id).Should().Equal(before.Select(d => d.Id));
        after.Select(d => d with { FirstSeen = default, LastScanned = default, CallTrace = [] })
            .Should().Equal(before.Select(d => d with { FirstSeen = default, LastScanned = default, CallTrace = [] }));
        after.Select(d => string.Join('|', d.CallTrace)).Should().Equal(before.Select(d => string.Join('|', d.CallTrace)));
    }

    [Fact]
    public void A_scan_cancelled_midway_leaves_a_usable_database_that_the_next_scan_completes()
    {
        _trees.BuildAllLayouts();
        var catalog = Catalog();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var logger = new Serilog.LoggerConfiguration().WriteTo.Sink(new CancelAfterWarnings(cts, 1)).CreateLogger();
        var database = new KdumpdDatabase(Path.Join(_dbDir, "kdumpd.db"));
        var cancelling = new DumpCatalog(database, _trees.Root, logger);

        // The first unreadable dump logs a warning, which cancels the scan before the next dump.
        var corrupt = _trees.Dir("202611190000");
        DumpTrees.Text(corrupt, "dump.202611190000", "garbage, not a dump");
        var act = () => cancelling.Scan(cts.Token);

        act.Should().Throw<OperationCanceledException>();
        var partial = catalog.List(new DumpQuery(Limit: 1000)).Total;
        partial.Should().BeInRange(1, 8);

        var repaired = catalog.Scan(Ct);
        repaired.Added.Should().Be(9 - partial);
        catalog.List(new DumpQuery(Limit: 1000)).Total.Should().Be(9);
        ByDir(catalog, "202611190000").HeaderError.Should().Contain("unrecognised signature");
    }

    [Fact]
    public void Hashing_stores_the_sha256_of_each_vmcore_and_forgets_it_when_the_file_changes()
    {
        var dir = _trees.Dir("202611240930");
        var path = DumpTrees.Bytes(dir, "dump.202611240930", SyntheticDumps.Flatten(SyntheticDumps.Kdump()));
        var catalog = Catalog();
        catalog.Scan(Ct);

        catalog.HashPending(Ct).Should().Be(1);

        var row = catalog.List(new DumpQuery()).Items.Single();
        row.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        catalog.HashPending(Ct).Should().Be(0);

        File.AppendAllText(path, "more");
        catalog.Scan(Ct);
        catalog.Get(row.Id)!.Sha256.Should().BeNull();
    }

    [Fact]
    public void Foreign_dumps_are_never_deleted_and_owned_ones_are_removed_with_their_directory()
    {
        _trees.BuildAllLayouts();
        var catalog = Catalog();
        catalog.Scan(Ct);
        var fedora = ByDir(catalog, "127.0.0.1-2026-11-24-07:57:28");
        var ours = ByDir(catalog, "20261124T100000Z-web1");

        var refuse = () => catalog.Delete(fedora.Id);

        refuse.Should().Throw<DumpCatalogException>().Where(e => e.Error == DumpCatalogError.NotOwned && e.Message.Contains("fedora"));
        Directory.Exists(fedora.Directory).Should().BeTrue();

        catalog.Delete(ours.Id);
        Directory.Exists(ours.Directory).Should().BeFalse();
        catalog.Get(ours.Id).Should().BeNull();
        var missing = () => catalog.Delete("0000000000000000");
        missing.Should().Throw<DumpCatalogException>().Where(e => e.Error == DumpCatalogError.NotFound);
    }

    [Fact]
    public void Planted_folders_with_a_kdumpd_json_are_not_owned_and_retention_never_deletes_a_genuine_dump_for_them()
    {
        var real = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            var dir = _trees.Dir($"2026112{i}T100000Z-real");
            DumpTrees.Bytes(dir, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime - ((10 - i) * 86400)));
            DumpTrees.Marker(dir, """{"complete":true}""");
            real.Add(dir);
        }

        // Newer crash times; one copies a genuine kdumpd.json (its dump id names another folder), one
        // has no id, one is a genuine-looking marker that others may write.
        var copied = _trees.Dir("20261128T100000Z-planted");
        DumpTrees.Bytes(copied, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime));
        File.Copy(Path.Join(real[0], "kdumpd.json"), Path.Join(copied, "kdumpd.json"));
        var bare = _trees.Dir("20261129T100000Z-planted");
        DumpTrees.Bytes(bare, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime + 86400));
        DumpTrees.Text(bare, "kdumpd.json", """{"complete":true}""");
        var open = _trees.Dir("20261130T100000Z-planted");
        DumpTrees.Bytes(open, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime + (2 * 86400)));
        DumpTrees.Marker(open, """{"complete":true}""");
        File.SetUnixFileMode(Path.Join(open, "kdumpd.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        var catalog = Catalog();
        catalog.Scan(Ct);

        var deleted = catalog.ApplyRetention(new RetentionPolicy(KeepNewest: 2));

        deleted.Should().BeEmpty("only the two genuine dumps are kdumpd's, and two are kept");
        real.Should().OnlyContain(d => Directory.Exists(d));
        foreach (var planted in new[] { copied, bare, open })
        {
            ByDir(catalog, Path.GetFileName(planted)).Owned.Should().BeFalse(planted);
            FluentActions.Invoking(() => catalog.Delete(ByDir(catalog, Path.GetFileName(planted)).Id)).Should().Throw<DumpCatalogException>()
                .Which.Error.Should().Be(DumpCatalogError.NotOwned);
        }
    }

    [Fact]
    public async Task A_fifo_or_links_out_in_the_dump_directory_never_hang_or_leak_into_scan_or_hash()
    {
        var fifo = _trees.Dir("20261125T100000Z-fifo");
        using (var mkfifo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [Path.Join(fifo, "vmcore")]))!)
        {
            mkfifo.WaitForExit();
        }

        using (var mkfifo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [Path.Join(fifo, "kdumpd.json")]))!)
        {
            mkfifo.WaitForExit();
        }

        var zero = _trees.Dir("20261126T100000Z-zero");
        File.CreateSymbolicLink(Path.Join(zero, "vmcore"), "/dev/zero");
        var shadow = _trees.Dir("20261127T100000Z-shadow");
        File.CreateSymbolicLink(Path.Join(shadow, "vmcore"), "/etc/passwd");
        var catalog = Catalog();

        var scan = Task.Run(() => catalog.Scan(Ct), Ct);
        (await Task.WhenAny(scan, Task.Delay(TimeSpan.FromSeconds(60), Ct))).Should().BeSameAs(scan, "a FIFO must not hang the scan");
        var hash = Task.Run(() => catalog.HashPending(Ct), Ct);
        (await Task.WhenAny(hash, Task.Delay(TimeSpan.FromSeconds(60), Ct))).Should().BeSameAs(hash, "/dev/zero must not spin the hasher");

        (await hash).Should().Be(0);
        ByDir(catalog, "20261125T100000Z-fifo").HeaderError.Should().Contain("FIFO");
        ByDir(catalog, "20261126T100000Z-zero").HeaderError.Should().Contain("out of the dump directory");
        ByDir(catalog, "20261127T100000Z-shadow").HeaderError.Should().Contain("out of the dump directory");
        ByDir(catalog, "20261127T100000Z-shadow").Sha256.Should().BeNull();
        ByDir(catalog, "20261127T100000Z-shadow").FileSize.Should().BeNull("not even the size of a file outside is recorded");
    }

    [Fact]
    public void Retention_keeps_the_newest_owned_dumps_and_deletes_complete_ones_oldest_first()
    {
        for (var i = 1; i <= 5; i++)
        {
            var dir = _trees.Dir($"2026112{i}T100000Z-db1");
            DumpTrees.Bytes(dir, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime - ((10 - i) * 86400)));
            DumpTrees.Marker(dir, $$"""{"started_at":"2026-11-2{{i}}T10:00:00Z","complete":{{(i == 2 ? "false" : "true")}}}""");
        }

        _trees.BuildAllLayouts();
        var catalog = Catalog();
        catalog.Scan(Ct);

        var deleted = catalog.ApplyRetention(new RetentionPolicy(KeepNewest: 2));

        // Owned complete dumps, oldest first by header crash time: db1 21, 23, 24, 25, then the layout's
        // 20261124T100000Z-web1 => 5; keep 2; the incomplete 22 and every foreign dump stay.
        deleted.Should().HaveCount(3);
        deleted.Should().OnlyContain(d => d.Owned && d.Complete);
        Directory.Exists(Path.Join(_trees.Root, "20261122T100000Z-db1")).Should().BeTrue();
        Directory.Exists(Path.Join(_trees.Root, "127.0.0.1-2026-11-24-07:57:28")).Should().BeTrue();
        catalog.List(new DumpQuery(Limit: 100)).Items.Count(d => d.Owned && d.Complete).Should().Be(2);
    }

    [Fact]
    public void Retention_deletes_until_under_the_byte_budget_and_above_the_free_floor_but_never_the_newest()
    {
        for (var i = 1; i <= 4; i++)
        {
            var dir = _trees.Dir($"2026112{i}T100000Z-db1");
            DumpTrees.Bytes(dir, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime - ((10 - i) * 86400)));
            DumpTrees.Marker(dir, $$"""{"started_at":"2026-11-2{{i}}T10:00:00Z","complete":true}""");
        }

        var free = 0L;
        var catalog = Catalog(freeSpace: _ => free);
        catalog.Scan(Ct);
        var each = catalog.List(new DumpQuery()).Items[0].TotalBytes!.Value;

        catalog.ApplyRetention(new RetentionPolicy(MaxTotalBytes: (each * 3) + 1)).Select(d => d.Directory)
            .Should().Equal(Path.Join(_trees.Root, "20261121T100000Z-db1"));

        catalog.ApplyRetention(new RetentionPolicy(MinFreeBytes: 1 << 30)).Should().HaveCount(2);
        catalog.List(new DumpQuery()).Items.Single().Directory.Should().EndWith("20261124T100000Z-db1");
    }

    [Fact]
    public void Coverage_of_a_plan_comes_from_elf_loads_and_from_kdump_bitmaps()
    {
        var elfDir = _trees.Dir("20261124T100000Z-web1");
        DumpTrees.SparseElf(elfDir, "vmcore");
        var kdumpDir = _trees.Dir("202611240930");
        DumpTrees.Bytes(kdumpDir, "dump.202611240930", SyntheticDumps.Flatten(SyntheticDumps.Kdump(maxMapnr: 0x8000)));
        var catalog = Catalog();
        catalog.Scan(Ct);
        var elf = ByDir(catalog, "20261124T100000Z-web1");
        var kdump = ByDir(catalog, "202611240930");

        catalog.EvaluateCoverage(elf.Id, [new(0x100000, 0x1000000), new(0x100000000, 0x1000)]).Should().BeTrue();
        catalog.EvaluateCoverage(elf.Id, [new(0xa0000000, 0x1000)]).Should().BeFalse("between the two PT_LOADs");
        catalog.Get(elf.Id)!.CoversPlan.Should().BeFalse();
        catalog.EvaluateCoverage(kdump.Id, [new(0x1000, 0x7000000)]).Should().BeTrue("PFNs below max_mapnr 0x8000 are present");
        catalog.EvaluateCoverage(kdump.Id, [new(0x7fff000, 0x2000)]).Should().BeFalse("beyond max_mapnr");
    }

    [Fact]
    public void List_filters_by_kernel_completeness_and_time_and_pages()
    {
        _trees.BuildAllLayouts();
        var catalog = Catalog();
        catalog.Scan(Ct);

        catalog.List(new DumpQuery(KernelRelease: SyntheticDumps.Release)).Items.Should().OnlyContain(d => d.KernelRelease == SyntheticDumps.Release);
        catalog.List(new DumpQuery(Complete: true)).Items.Should().OnlyContain(d => d.Complete);
        catalog.List(new DumpQuery(Since: DateTimeOffset.FromUnixTimeSeconds(SyntheticDumps.CrashTime + 1))).Items
            .Should().OnlyContain(d => d.CrashTime > DateTimeOffset.FromUnixTimeSeconds(SyntheticDumps.CrashTime));
        var page1 = catalog.List(new DumpQuery(Offset: 0, Limit: 3));
        var page2 = catalog.List(new DumpQuery(Offset: 3, Limit: 3));
        page1.Total.Should().Be(8);
        page1.Items.Select(d => d.Id).Should().NotIntersectWith(page2.Items.Select(d => d.Id));
    }

    [Fact]
    public void A_folder_of_no_known_layout_is_logged_once_with_its_path_and_why_and_not_catalogued()
    {
        _trees.BuildAllLayouts();
        var stray = Path.Join(_trees.Root, "old-cores");
        Directory.CreateDirectory(stray);
        File.WriteAllText(Path.Join(stray, "core.1234"), "x");
        var emptyKdumpd = Path.Join(_trees.Root, "20261124T120000Z-web9");
        Directory.CreateDirectory(emptyKdumpd);
        Directory.CreateDirectory(Path.Join(_trees.Root, ".staging"));
        var warnings = new Warnings();
        var database = new KdumpdDatabase(Path.Join(_dbDir, "kdumpd.db"));
        database.Migrate();
        var catalog = new DumpCatalog(database, _trees.Root, new Serilog.LoggerConfiguration().WriteTo.Sink(warnings).CreateLogger());

        catalog.Scan(Ct).Found.Should().Be(8);
        catalog.Scan(Ct);

        var unknown = warnings.Events.Where(e => e.MessageTemplate.Text.Contains("unknown layout", StringComparison.Ordinal)).ToList();
        unknown.Select(e => e.Properties["Folder"].ToString().Trim('"')).Should().BeEquivalentTo([stray, emptyKdumpd], "each once over two scans; a hidden folder and lost+found are not dumps");
        unknown.Single(e => e.Properties["Folder"].ToString().Contains("old-cores", StringComparison.Ordinal)).Properties["Reason"].ToString()
            .Should().Contain("matches no known layout");
        unknown.Single(e => e.Properties["Folder"].ToString().Contains("web9", StringComparison.Ordinal)).Properties["Reason"].ToString()
            .Should().Contain("holds no vmcore");
    }

    private sealed class Warnings : Serilog.Core.ILogEventSink
    {
        public List<Serilog.Events.LogEvent> Events { get; } = [];

        public void Emit(Serilog.Events.LogEvent logEvent)
        {
            if (logEvent.Level == Serilog.Events.LogEventLevel.Warning)
            {
                Events.Add(logEvent);
            }
        }
    }

    private sealed class CancelAfterWarnings(CancellationTokenSource cts, int count) : Serilog.Core.ILogEventSink
    {
        private int _seen;

        public void Emit(Serilog.Events.LogEvent logEvent)
        {
            if (logEvent.Level == Serilog.Events.LogEventLevel.Warning && ++_seen >= count)
            {
                cts.Cancel();
            }
        }
    }
}

public sealed class DumpMaintenanceTests : IDisposable
{
    private readonly DumpTrees _trees = new();
    private readonly string _db = Path.Join(Path.GetTempPath(), $"kdumpd-maint-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _trees.Dispose();
        foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_db) + "*"))
        {
            File.Delete(f);
        }
    }

    [Fact]
    public async Task Maintenance_scans_applies_retention_hashes_and_serves_downloads()
    {
        for (var i = 1; i <= 3; i++)
        {
            var dir = _trees.Dir($"2026112{i}T100000Z-db1");
            DumpTrees.Bytes(dir, "vmcore", SyntheticDumps.Kdump(crashTime: SyntheticDumps.CrashTime - ((10 - i) * 86400)));
            DumpTrees.Marker(dir, """{"complete":true}""");
        }

        var catalog = DumpCatalog.Open(_db, _trees.Root);

        var result = await catalog.MaintainAsync(new RetentionPolicy(KeepNewest: 2), TestContext.Current.CancellationToken);

        result.Scan.Added.Should().Be(3);
        result.Deleted.Select(d => Path.GetFileName(d.Directory)).Should().Equal("20261121T100000Z-db1");
        result.Hashed.Should().Be(2);
        var newest = catalog.List(new DumpQuery()).Items[0];
        var (dump, stream) = catalog.OpenVmcore(newest.Id);
        await using (stream)
        {
            Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, TestContext.Current.CancellationToken)).Should().Be(dump.Sha256);
        }
    }
}
