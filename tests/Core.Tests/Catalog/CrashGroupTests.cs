using Kdumpd.Core.Catalog;
using Kdumpd.Core.Tests.Dumps;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Catalog;

/// <summary>The catalogue names each crash, groups dumps of one bug by signature, and reads dmesg from the vmcore when a dump has none.</summary>
public sealed class CrashGroupTests : IDisposable
{
    private readonly DumpTrees _trees = new();
    private readonly string _dbDir = Directory.CreateTempSubdirectory("kdumpd-groups-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _trees.Dispose();
        Directory.Delete(_dbDir, recursive: true);
    }

    private DumpCatalog Catalog()
    {
        var database = new KdumpdDatabase(Path.Join(_dbDir, "kdumpd.db"));
        database.Migrate();
        return new DumpCatalog(database, _trees.Root);
    }

    private static string Oops(string name) => File.ReadAllText(Path.Combine(Fixtures.DataDirectory, "oops", name + ".log"));

    [Fact]
    public void Two_dumps_of_one_bug_form_one_group_with_count_times_and_kernels()
    {
        DumpTrees.Text(_trees.Dir("127.0.0.1-2026-11-20-01:00:00"), "vmcore-dmesg.txt", Oops("null-deref-tcp"));
        DumpTrees.Text(_trees.Dir("127.0.0.1-2026-11-22-01:00:00"), "vmcore-dmesg.txt", Oops("null-deref-tcp").Replace("0000000000000008", "0000000000000010", StringComparison.Ordinal));
        DumpTrees.Text(_trees.Dir("127.0.0.1-2026-11-23-01:00:00"), "vmcore-dmesg.txt", Oops("hung-task-jbd2"));
        var catalog = Catalog();

        catalog.Scan(Ct);
        var groups = catalog.Groups();

        groups.Should().HaveCount(2);
        var tcp = groups.Single(g => g.Title == "BUG: unable to handle kernel NULL pointer dereference in tcp_v4_rcv");
        tcp.Count.Should().Be(2);
        tcp.FirstSeen.Should().BeBefore(tcp.LastSeen);
        catalog.List(new DumpQuery(Signature: tcp.Signature)).Items.Should().HaveCount(2)
            .And.OnlyContain(d => d.Title == tcp.Title && d.Signature == tcp.Signature);
    }

    [Fact]
    public void A_dump_whose_vmcore_was_not_saved_but_whose_dmesg_was_has_an_entry_with_its_title()
    {
        DumpTrees.Text(_trees.Dir("127.0.0.1-2026-11-24-07:57:28"), "vmcore-dmesg.txt", Oops("kernel-bug-ext4"));
        var catalog = Catalog();

        catalog.Scan(Ct);

        var row = catalog.List(new DumpQuery()).Items.Single();
        row.VmcorePath.Should().BeNull();
        row.Complete.Should().BeFalse();
        row.Title.Should().Be("kernel BUG in ext4_write_begin");
    }

    [Fact]
    public void A_scan_lists_a_dump_without_dmesg_at_once_and_does_not_read_its_vmcore()
    {
        var dir = _trees.Dir("20261124T100000Z-web1");
        File.Copy(DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"), Path.Join(dir, "vmcore"));
        DumpTrees.Text(dir, "kdumpd.json", "{\"complete\": true}\n");
        var catalog = Catalog();

        catalog.Scan(Ct);

        var row = catalog.List(new DumpQuery()).Items.Single();
        row.VmcorePath.Should().Be(Path.Join(dir, "vmcore"));
        row.Title.Should().BeNull("the title follows from the background triage");
        row.TriageNote.Should().BeNull();
        File.Exists(Path.Join(dir, "dmesg.txt")).Should().BeFalse("the scan did not read the printk buffer");
    }

    [Fact]
    public async Task A_kdumpd_dump_without_dmesg_gets_it_from_the_vmcore_and_its_title_after_the_scan()
    {
        var dir = _trees.Dir("20261124T100000Z-web1");
        File.Copy(DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"), Path.Join(dir, "vmcore"));
        DumpTrees.Marker(dir, "{\"complete\": true}");
        var catalog = Catalog();

        var scan = await catalog.ScanAsync(Ct);
        var titled = await catalog.BackgroundTriage.WaitAsync(TimeSpan.FromMinutes(1), Ct);

        scan.Added.Should().Be(1);
        titled.Should().Be(1);
        var row = catalog.List(new DumpQuery()).Items.Single();
        row.Title.Should().Be("Kernel panic - not syncing: sysrq triggered crash");
        row.TriageNote.Should().Be("dmesg read from the vmcore");
        row.CallTrace.Should().NotBeEmpty();
        File.ReadAllText(Path.Join(dir, "dmesg.txt")).Should().Be(File.ReadAllText(DumpFixtures.File("qemu-6.1-sysrq", "dmesg.txt")));

        catalog.Scan(Ct);

        row = catalog.List(new DumpQuery()).Items.Single();
        row.DmesgPath.Should().Be(Path.Join(dir, "dmesg.txt"), "the next scan sees the file the triage wrote");
        row.Title.Should().Be("Kernel panic - not syncing: sysrq triggered crash");
        catalog.TriagePending(Ct).Should().Be(0, "a vmcore is read once per change of its directory");
    }

    [Fact]
    public void A_vmcore_whose_printk_buffer_cannot_be_read_gets_a_note_and_no_title()
    {
        var dir = _trees.Dir("20261124T110000Z-web2");
        File.Copy(Path.Combine(Fixtures.DataDirectory, "dumps", "qemu-6.1-sysrq-vmcore-prefix.bin"), Path.Join(dir, "vmcore"));
        DumpTrees.Text(dir, "kdumpd.json", "{\"complete\": true}\n");
        var catalog = Catalog();

        catalog.Scan(Ct);
        catalog.TriagePending(Ct).Should().Be(1);

        var row = catalog.List(new DumpQuery()).Items.Single();
        row.Title.Should().BeNull();
        row.TriageNote.Should().StartWith("no dmesg: ").And.Contain("not in the dump");
        catalog.TriagePending(Ct).Should().Be(0, "the note says it was tried");
    }
}
