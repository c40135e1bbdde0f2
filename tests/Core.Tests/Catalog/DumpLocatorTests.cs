using Kdumpd.Core.Catalog;

namespace Kdumpd.Core.Tests.Catalog;

public sealed class DumpLocatorTests : IDisposable
{
    private readonly DumpTrees _trees = new();

    public void Dispose() => _trees.Dispose();

    [Fact]
    public void Every_distribution_layout_is_found_and_classified_and_apport_files_are_ignored()
    {
        _trees.BuildAllLayouts();

        var found = DumpLocator.Locate(_trees.Root).ToDictionary(d => d.RelativeName);

        found.Keys.Should().BeEquivalentTo(
            "20261124T100000Z-web1", "127.0.0.1-2026-11-24-07:57:28", "192.168.1.5-2026-11-23-01:02:03",
            "202611240930", "202611220800", "202611210800", "2026-11-24-08-15", "2026-11-20-08-15");
        found["20261124T100000Z-web1"].Layout.Should().Be(DumpLayout.Kdumpd);
        found["20261124T100000Z-web1"].Owned.Should().BeTrue();
        found["127.0.0.1-2026-11-24-07:57:28"].Layout.Should().Be(DumpLayout.Fedora);
        found["127.0.0.1-2026-11-24-07:57:28"].NameHost.Should().Be("127.0.0.1");
        found["127.0.0.1-2026-11-24-07:57:28"].DmesgPath.Should().EndWith("vmcore-dmesg.txt");
        found["202611240930"].Layout.Should().Be(DumpLayout.Debian);
        found["202611240930"].VmcorePath.Should().EndWith("dump.202611240930");
        found["202611240930"].DmesgPath.Should().EndWith("dmesg.202611240930");
        found["202611210800"].VmcorePath.Should().EndWith("dump.202611210800.gz");
        found["2026-11-24-08-15"].Layout.Should().Be(DumpLayout.Suse);
        found.Values.Where(d => d.Layout != DumpLayout.Kdumpd).Should().OnlyContain(d => !d.Owned);
    }

    [Fact]
    public void Incomplete_markers_of_each_distribution_are_honoured()
    {
        _trees.BuildAllLayouts();

        var found = DumpLocator.Locate(_trees.Root).ToDictionary(d => d.RelativeName, d => d.IncompleteMarker);

        found["192.168.1.5-2026-11-23-01:02:03"].Should().Be("vmcore-incomplete");
        found["202611220800"].Should().Be("dump-incomplete");
        found["2026-11-20-08-15"].Should().Contain("placeholder");
        found["127.0.0.1-2026-11-24-07:57:28"].Should().BeNull();
        found["2026-11-24-08-15"].Should().BeNull();
        found["20261124T100000Z-web1"].Should().BeNull();
    }

    [Fact]
    public void A_suse_directory_with_the_old_colon_time_is_not_taken_for_fedora()
    {
        var dir = _trees.Dir("2026-11-24-08:15");
        DumpTrees.Text(dir, "vmcore", "x");
        DumpTrees.Text(dir, "README.txt", "vmcore status: saved successfully\n");

        DumpLocator.Locate(_trees.Root).Single().Layout.Should().Be(DumpLayout.Suse);
    }

    [Fact]
    public void A_missing_dump_directory_gives_no_dumps()
    {
        DumpLocator.Locate(Path.Join(_trees.Root, "nope")).Should().BeEmpty();
    }
}
