using System.Text.Json;
using Kdumpd.Core.Processes;
using Kdumpd.Core.Units;

namespace Kdumpd.Api.Tests;

/// <summary>The dashboard's byte sizes are the figures the CLI and the logs print: format.js run by node against ByteSize.</summary>
public sealed class DashboardFormatTests
{
    private static readonly long[] _sizes =
    [
        0, 1, 1023, 1024, 1280, 1536, 4096, 65_535, 1_048_575, 1_048_576, 33_554_432, 67_108_864, 137_548_186,
        170_078_208, 268_435_456, 1_073_741_824, 1_610_612_736, 34_359_738_368, 1_099_511_627_776, 5_497_558_138_880,
    ];

    [Fact]
    public async Task Dashboard_byte_sizes_read_exactly_as_the_cli_prints_them()
    {
        var node = ExecutableLocator.Find("node");
        Assert.SkipWhen(node is null, "node is not installed (deploy/install-deps.sh installs nodejs): the dashboard's formatter cannot be run here");
        var module = new Uri(Path.Join(DaemonFixture.RepoRoot(), "src", "Api", "Dashboard", "assets", "format.js")).AbsoluteUri;
        var script = $"import {{ bytes }} from '{module}'; console.log(JSON.stringify({JsonSerializer.Serialize(_sizes)}.map(bytes)));";
        var result = await new ProcessRunner().RunAsync(node!, ["--input-type=module", "-e", script], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        result.ExitCode.Should().Be(0, result.Stderr);

        var dashboard = JsonSerializer.Deserialize<string[]>(result.Stdout)!;

        dashboard.Should().Equal(_sizes.Select(s => ByteSize.Format(s)));
    }
}
