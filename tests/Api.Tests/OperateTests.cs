using System.Net;
using System.Text.Json;
using Kdumpd.Api.Auth;

namespace Kdumpd.Api.Tests;

/// <summary>What changes state, in its own daemon so the read-only tests never see it happen.</summary>
public sealed class OperateTests : IAsyncLifetime
{
    private readonly DaemonFixture _daemon = new();

    public ValueTask InitializeAsync() => _daemon.InitializeAsync();

    public ValueTask DisposeAsync() => _daemon.DisposeAsync();

    [Fact]
    public async Task Operate_token_reloads_and_gets_the_generation()
    {
        using var client = _daemon.Client(ApiRole.Operate);
        var ct = TestContext.Current.CancellationToken;

        using var response = await client.PostAsync("/v1/reload", null, ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        doc.RootElement.GetProperty("outcome").GetString().Should().Be("reloaded");
        doc.RootElement.GetProperty("generation").GetInt64().Should().BeGreaterThan(1, "the forced reload is a new generation after the start-up one");
    }

    [Fact]
    public async Task A_second_operator_reload_within_the_interval_is_refused_with_429_and_retry_after()
    {
        using var client = _daemon.Client(ApiRole.Operate);
        var ct = TestContext.Current.CancellationToken;

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last?.Dispose();
            last = await client.PostAsync("/v1/reload?force=true", null, ct);
            statuses.Add(last.StatusCode);
        }

        statuses.Count(s => s == HttpStatusCode.OK).Should().BeLessThanOrEqualTo(1, "one operator reload per Reload:OperatorIntervalSeconds");
        statuses.Skip(1).Should().OnlyContain(s => s == HttpStatusCode.TooManyRequests);
        last!.Headers.RetryAfter!.Delta.Should().BeGreaterThan(TimeSpan.Zero);
        (await last.Content.ReadAsStringAsync(ct)).Should().Contain("throttled");
        last.Dispose();
    }

    [Fact]
    public async Task Operate_token_deletes_kdumpds_own_dump_but_never_a_foreign_one()
    {
        using var client = _daemon.Client(ApiRole.Operate);
        var ct = TestContext.Current.CancellationToken;
        var (owned, foreign) = await ApiTests.DumpIds(client);

        using var refused = await client.DeleteAsync($"/v1/dumps/{foreign}", ct);
        refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
        File.Exists(Path.Join(_daemon.DumpDir, DaemonFixture.ForeignDir, "vmcore")).Should().BeTrue();

        using var deleted = await client.DeleteAsync($"/v1/dumps/{owned}", ct);
        deleted.StatusCode.Should().Be(HttpStatusCode.OK);
        Directory.Exists(Path.Join(_daemon.DumpDir, DaemonFixture.OwnedDir)).Should().BeFalse();
        (await client.GetAsync($"/v1/dumps/{owned}", ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Operate_token_unloads_and_readiness_says_not_loaded()
    {
        using var client = _daemon.Client(ApiRole.Operate);
        var ct = TestContext.Current.CancellationToken;

        using var response = await client.PostAsync("/v1/unload", null, ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var ready = await client.GetAsync("/readyz", ct);
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await ready.Content.ReadAsStringAsync(ct)).Should().Contain("\"name\":\"loaded\",\"ok\":false");
    }
}
