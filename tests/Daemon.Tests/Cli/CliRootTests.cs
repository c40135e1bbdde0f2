using Kdumpd.Daemon.Cli;

namespace Kdumpd.Daemon.Tests.Cli;

public sealed class CliRootTests
{
    [Theory]
    [InlineData(new string[0], new[] { "run" })]
    [InlineData(new[] { "--config", "/etc/kdumpd/kdumpd.json" }, new[] { "run", "--config", "/etc/kdumpd/kdumpd.json" })]
    [InlineData(new[] { "plan", "--format", "json" }, new[] { "plan", "--format", "json" })]
    [InlineData(new[] { "--help" }, new[] { "--help" })]
    [InlineData(new[] { "--version" }, new[] { "--version" })]
    public void Run_is_the_default_verb(string[] args, string[] expected) =>
        CliRoot.WithDefaultVerb(args).Should().Equal(expected);

    [Fact]
    public async Task Default_verb_reports_a_bad_configuration_like_run_does()
    {
        var dir = Directory.CreateTempSubdirectory("kdumpd-cli-root-").FullName;
        try
        {
            var config = Path.Join(dir, "kdumpd.json");
            await File.WriteAllTextAsync(config, """{ "Capture": { "FinalAction": "halt" } }""", TestContext.Current.CancellationToken);
            using var output = new StringWriter();
            using var error = new StringWriter();

            var exit = await CliRoot.RunAsync(["--config", config], output, error);

            exit.Should().Be(1);
            error.ToString().Should().Contain("kdumpd run: configuration: ").And.Contain("Capture:FinalAction: 'halt'");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
