using System.Reflection;
using Kdumpd.Core.Host;
using Kdumpd.Daemon.Hosting;

namespace Kdumpd.Daemon.Tests.Architecture;

/// <summary>
/// The folder graph of docs/architecture.md, enforced: the compiler keeps Core ← Api ← Daemon, these
/// tests keep the folders inside Core and inside Daemon acyclic and the named layers in order.
/// </summary>
public class FolderGraphTests
{
    private static readonly FolderGraph _core = FolderGraph.Of(typeof(HostRoot).Assembly, "Kdumpd.Core");
    private static readonly FolderGraph _daemon = FolderGraph.Of(typeof(DaemonHost).Assembly, "Kdumpd.Daemon");

    [Fact]
    public void Core_folders_form_no_cycle()
    {
        _core.Edges.Should().ContainKey("Loading", "the graph is read from the assembly");
        _core.FindCycle().Should().BeNull("the folders inside Core must form no cycle (docs/architecture.md)");
    }

    [Fact]
    public void Daemon_folders_form_no_cycle()
    {
        _daemon.Edges.Should().ContainKey("Cli", "the graph is read from the assembly");
        _daemon.FindCycle().Should().BeNull("the folders inside Daemon must form no cycle (docs/architecture.md)");
    }

    [Theory]
    [InlineData("Elf", "Host")]
    [InlineData("Elf", "Dumps")]
    [InlineData("Host", "Planning")]
    [InlineData("Planning", "Loading")]
    [InlineData("Planning", "Catalog")]
    [InlineData("Planning", "Reload")]
    [InlineData("Catalog", "Capture")]
    [InlineData("Catalog", "Reload")]
    [InlineData("Dumps", "Catalog")]
    [InlineData("Watch", "Reload")]
    [InlineData("Reload", "Watch")]
    [InlineData("Reload", "Loading")]
    public void Core_layers_point_one_way(string from, string to)
    {
        _core.Uses(from, to).Should().BeFalse($"Core.{from} must not use Core.{to}, but {(_core.Uses(from, to) ? _core.Example(from, to) : "")}");
    }

    [Theory]
    [InlineData("Host", "Elf")]
    [InlineData("Planning", "Host")]
    [InlineData("Planning", "Elf")]
    [InlineData("Loading", "Planning")]
    [InlineData("Dumps", "Elf")]
    public void The_documented_edges_exist(string from, string to)
    {
        _core.Uses(from, to).Should().BeTrue($"docs/architecture.md says Core.{from} builds on Core.{to}");
    }

    [Fact]
    public void The_cycle_rule_fails_when_one_synthetic_edge_closes_a_cycle_in_the_real_graph()
    {
        // Loading → Planning → Host exists; one use of Loading from Host closes the cycle Core_folders_form_no_cycle must catch.
        _core.Uses("Loading", "Planning").Should().BeTrue();
        _core.Uses("Planning", "Host").Should().BeTrue();

        var cycle = _core.WithEdge("Host", "Loading").FindCycle();

        cycle.Should().NotBeNull().And.Contain("Host").And.Contain("Loading");
        _daemon.WithEdge("Cli", "Hosting").WithEdge("Hosting", "Cli").FindCycle().Should().NotBeNull();
    }

    [Fact]
    public void Hosting_and_Cli_do_not_know_each_other_both_ways()
    {
        (_daemon.Uses("Hosting", "Cli") && _daemon.Uses("Cli", "Hosting")).Should().BeFalse();
    }

    [Fact]
    public void The_graph_sees_uses_inside_method_bodies()
    {
        // FolderGraph itself must notice a use that appears only in a body (a static call), or the rules above prove nothing.
        var graph = FolderGraph.Of(Assembly.GetExecutingAssembly(), "Kdumpd.Daemon.Tests");
        graph.Uses("Architecture", "Watchers").Should().BeTrue(graph.Edges.Keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A body-only use of another test folder, for the test above.</summary>
    internal static int BodyOnlyUse() => Watchers.UeventDispatcherTests.Fixture(".").Length;
}
