namespace Kdumpd.Api.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_loads() => typeof(SmokeTests).Assembly.Should().NotBeNull();
}
