using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Kdumpd.Api.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Kdumpd.Api.Tests;

[CollectionDefinition(nameof(SharedDaemon))]
public sealed class SharedDaemon : ICollectionFixture<DaemonFixture>;

/// <summary>Every endpoint and role boundary, through a real Kestrel server over a fixture host and a real SQLite file.</summary>
[Collection(nameof(SharedDaemon))]
public sealed class ApiTests(DaemonFixture daemon)
{
    public static TheoryData<string, string> Protected => new()
    {
        { "GET", "/v1/status" },
        { "GET", "/v1/plan" },
        { "GET", "/v1/plan/elfcorehdr" },
        { "GET", "/v1/generations" },
        { "GET", "/v1/generations/1" },
        { "GET", "/v1/generations/1/plan" },
        { "GET", "/v1/whoami" },
        { "GET", "/v1/dumps" },
        { "GET", "/v1/groups" },
        { "GET", "/v1/dumps/0123456789abcdef" },
        { "GET", "/v1/dumps/0123456789abcdef/vmcore" },
        { "GET", "/v1/dumps/0123456789abcdef/dmesg" },
        { "DELETE", "/v1/dumps/0123456789abcdef" },
        { "POST", "/v1/reload" },
        { "POST", "/v1/unload" },
        { "GET", "/openapi/v1.json" },
        { "GET", "/docs" },
    };

    [Fact]
    public void The_daemon_registers_no_data_protection_so_no_key_ring_is_made_or_warned_about_at_start()
    {
        daemon.Services.GetService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().Should().BeNull();
        daemon.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
            .Select(s => s.GetType().FullName)
            .Should().NotContain(name => name!.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Protected))]
    public async Task No_token_gets_401_everywhere_but_the_open_endpoints(string method, string path)
    {
        using var client = daemon.Client();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Contain("Bearer");
    }

    [Fact]
    public async Task A_wrong_token_gets_401()
    {
        using var client = daemon.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "kdumpd_not-a-real-token");

        using var response = await client.GetAsync("/v1/status", TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task Health_and_metrics_are_open(string path)
    {
        using var client = daemon.Client();

        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

        response.StatusCode.Should().BeOneOf(HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable);
        response.StatusCode.Should().NotBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Readyz_names_every_check()
    {
        using var client = daemon.Client();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/readyz", TestContext.Current.CancellationToken));

        var names = doc.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        names.Should().Contain(["loaded", "kernel-release", "files-unchanged", "reservation", "last-load", "no-competing-tool", "database", "last-reload", "dump-space"]);
        doc.RootElement.GetProperty("ready").GetBoolean().Should().BeTrue("the dry-run load of the fixture host succeeded: {0}", doc.RootElement);
    }

    [Fact]
    public async Task Kdumpd_status_and_readyz_report_one_reservation_figure()
    {
        using var client = daemon.Client();
        using var ready = JsonDocument.Parse(await client.GetStringAsync("/readyz", TestContext.Current.CancellationToken));
        using var output = new StringWriter();
        using var error = new StringWriter();

        await Daemon.Cli.CliRoot.RunAsync(["status", "--format", "json", "--host-root", Path.Join(daemon.Root, "host"), "--database", daemon.DatabasePath], output, error);

        error.ToString().Should().BeEmpty();
        using var status = JsonDocument.Parse(output.ToString());
        var fromReadyz = ReservationDetail(ready);
        fromReadyz.Should().Contain("needed (kernel", "the figure is the plan's budget with its parts: {0}", fromReadyz);
        ReservationDetail(status).Should().Be(fromReadyz);
    }

    private static string? ReservationDetail(JsonDocument readiness) => readiness.RootElement.GetProperty("checks").EnumerateArray()
        .Single(c => c.GetProperty("name").GetString() == "reservation").GetProperty("detail").GetString();

    [Fact]
    public async Task Metrics_are_prometheus_text_with_the_promised_series()
    {
        using var client = daemon.Client();

        var text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

        foreach (var name in new[]
        {
            "kdumpd_crash_kernel_loaded", "kdumpd_crash_reservation_bytes", "kdumpd_plan_segments", "kdumpd_reloads_total",
            "kdumpd_reload_duration_seconds_bucket", "kdumpd_dumps", "kdumpd_dump_bytes", "kdumpd_last_capture_timestamp_seconds",
            "kdumpd_unarmed_seconds_total", "kdumpd_kexec_load_budget_remaining", "kdumpd_ready",
        })
        {
            text.Should().Contain($"\n{name}", $"metric {name} is exported");
        }

        text.Should().Contain("kdumpd_crash_reservation_bytes 268435456");
        text.Should().Contain("kdumpd_dumps{state=\"complete\"} 2");
        text.Should().MatchRegex(@"\nkdumpd_reload_duration_seconds_count [1-9]", "the start-up load was observed");
        text.Should().Contain("kdumpd_reloads_total{outcome=\"reloaded\",trigger=\"startup\"} 1");
    }

    [Fact]
    public async Task Read_token_sees_status_plan_generations_and_dumps()
    {
        using var client = daemon.Client(ApiRole.Read);
        var ct = TestContext.Current.CancellationToken;

        using var status = JsonDocument.Parse(await client.GetStringAsync("/v1/status", ct));
        status.RootElement.GetProperty("kernelRelease").GetString().Should().Be("6.1.0-56-amd64");
        status.RootElement.GetProperty("reservation").GetProperty("bytes").GetInt64().Should().Be(256L << 20);
        status.RootElement.GetProperty("dumps").GetProperty("total").GetInt32().Should().Be(2);

        using var plan = JsonDocument.Parse(await client.GetStringAsync("/v1/plan", ct));
        plan.RootElement.GetProperty("fingerprint").GetString().Should().NotBeNullOrEmpty();

        var header = await client.GetByteArrayAsync("/v1/plan/elfcorehdr", ct);
        header.AsSpan(0, 4).ToArray().Should().Equal(0x7f, (byte)'E', (byte)'L', (byte)'F');

        using var generations = JsonDocument.Parse(await client.GetStringAsync("/v1/generations", ct));
        var first = generations.RootElement.EnumerateArray().Last();
        first.GetProperty("loader").GetString().Should().Be("dry-run");
        using var one = await client.GetAsync($"/v1/generations/{first.GetProperty("number").GetInt64()}", ct);
        one.StatusCode.Should().Be(HttpStatusCode.OK);
        using var missing = await client.GetAsync("/v1/generations/99999", ct);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");

        var (owned, _) = await DumpIds(client);
        using var dump = JsonDocument.Parse(await client.GetStringAsync($"/v1/dumps/{owned}", ct));
        dump.RootElement.GetProperty("kernelRelease").GetString().Should().Be("6.1.0-56-amd64");
        dump.RootElement.GetProperty("panicSummary").GetString().Should().Contain("sysrq triggered crash");
    }

    [Fact]
    public async Task Read_token_lists_crash_groups_and_the_dumps_of_one_group()
    {
        using var client = daemon.Client(ApiRole.Read);
        var ct = TestContext.Current.CancellationToken;

        using var groups = JsonDocument.Parse(await client.GetStringAsync("/v1/groups", ct));
        var sysrq = groups.RootElement.GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("title").GetString() == "Kernel panic - not syncing: sysrq triggered crash");
        sysrq.GetProperty("count").GetInt32().Should().Be(1);
        sysrq.GetProperty("kernelReleases").EnumerateArray().Select(r => r.GetString()).Should().Contain("6.1.0-56-amd64");
        var signature = sysrq.GetProperty("signature").GetString();

        using var dumps = JsonDocument.Parse(await client.GetStringAsync($"/v1/dumps?signature={signature}", ct));
        var item = dumps.RootElement.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("title").GetString().Should().Be("Kernel panic - not syncing: sysrq triggered crash");
        item.GetProperty("signature").GetString().Should().Be(signature);
        using var none = JsonDocument.Parse(await client.GetStringAsync("/v1/dumps?signature=0000000000000000", ct));
        none.RootElement.GetProperty("total").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Read_token_cannot_download_reload_unload_or_delete()
    {
        using var client = daemon.Client(ApiRole.Read);
        var (owned, _) = await DumpIds(client);
        var ct = TestContext.Current.CancellationToken;

        (await client.GetAsync($"/v1/dumps/{owned}/vmcore", ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.GetAsync($"/v1/dumps/{owned}/dmesg", ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.PostAsync("/v1/reload", null, ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.PostAsync("/v1/unload", null, ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.DeleteAsync($"/v1/dumps/{owned}", ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Download_token_downloads_but_cannot_operate()
    {
        using var client = daemon.Client(ApiRole.Download);
        var (owned, _) = await DumpIds(client);
        var ct = TestContext.Current.CancellationToken;

        using var response = await client.GetAsync($"/v1/dumps/{owned}/vmcore", ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentLength.Should().Be(DaemonFixture.VmcoreBytes);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        body.Should().Equal(daemon.Vmcore);
        var digest = Convert.ToBase64String(SHA256.HashData(daemon.Vmcore));
        response.Headers.GetValues("Repr-Digest").Single().Should().Be($"sha-256=:{digest}:");

        (await client.GetStringAsync($"/v1/dumps/{owned}/dmesg", ct)).Should().Contain("Kernel panic");
        (await client.PostAsync("/v1/reload", null, ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.DeleteAsync($"/v1/dumps/{owned}", ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Whole_file_download_and_head_carry_length_etag_and_accept_ranges()
    {
        using var client = daemon.Client(ApiRole.Download);
        var (owned, _) = await DumpIds(client);
        var ct = TestContext.Current.CancellationToken;

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/dumps/{owned}/vmcore"), ct);
        using var get = await client.GetAsync($"/v1/dumps/{owned}/vmcore", HttpCompletionOption.ResponseHeadersRead, ct);

        foreach (var response in new[] { head, get })
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Content.Headers.ContentLength.Should().Be(DaemonFixture.VmcoreBytes);
            response.Headers.ETag.Should().NotBeNull();
            response.Headers.AcceptRanges.Should().Contain("bytes");
            response.Content.Headers.ContentDisposition!.FileNameStar.Should().EndWith("vmcore");
        }

        (await head.Content.ReadAsByteArrayAsync(ct)).Should().BeEmpty();
        head.Headers.ETag.Should().Be(get.Headers.ETag);
    }

    [Theory]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=-1", DaemonFixture.VmcoreBytes - 1, 1)]
    [InlineData("bytes=-100", DaemonFixture.VmcoreBytes - 100, 100)]
    [InlineData("bytes=4096-8191", 4096, 4096)]
    [InlineData("bytes=1048000-", 1048000, DaemonFixture.VmcoreBytes - 1048000)]
    public async Task Range_requests_return_exactly_the_bytes_asked_for(string range, int start, int length)
    {
        using var client = daemon.Client(ApiRole.Download);
        var (owned, _) = await DumpIds(client);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{owned}/vmcore");
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        response.Content.Headers.ContentRange!.From.Should().Be(start);
        response.Content.Headers.ContentLength.Should().Be(length);
        (await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Should().Equal(daemon.Vmcore.AsSpan(start, length).ToArray());
    }

    [Fact]
    public async Task Several_ranges_get_the_whole_file_and_an_unsatisfiable_range_gets_416()
    {
        using var client = daemon.Client(ApiRole.Download);
        var (owned, _) = await DumpIds(client);
        var ct = TestContext.Current.CancellationToken;

        using var multi = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{owned}/vmcore");
        multi.Headers.TryAddWithoutValidation("Range", "bytes=0-0,10-19");
        using var whole = await client.SendAsync(multi, ct);
        whole.StatusCode.Should().Be(HttpStatusCode.OK);
        whole.Content.Headers.ContentLength.Should().Be(DaemonFixture.VmcoreBytes);

        using var beyond = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{owned}/vmcore");
        beyond.Headers.TryAddWithoutValidation("Range", $"bytes={DaemonFixture.VmcoreBytes + 10}-");
        using var unsatisfiable = await client.SendAsync(beyond, ct);
        unsatisfiable.StatusCode.Should().Be(HttpStatusCode.RequestedRangeNotSatisfiable);
        unsatisfiable.Content.Headers.ContentRange!.Length.Should().Be(DaemonFixture.VmcoreBytes);
    }

    [Fact]
    public async Task If_none_match_with_the_etag_gets_304()
    {
        using var client = daemon.Client(ApiRole.Download);
        var (owned, _) = await DumpIds(client);
        var ct = TestContext.Current.CancellationToken;
        using var first = await client.GetAsync($"/v1/dumps/{owned}/vmcore", HttpCompletionOption.ResponseHeadersRead, ct);
        var etag = first.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{owned}/vmcore");
        again.Headers.IfNoneMatch.Add(etag);
        using var response = await client.SendAsync(again, ct);

        response.StatusCode.Should().Be(HttpStatusCode.NotModified);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("%2e%2e")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("a%2Fb")]
    [InlineData("0123456789abcdef%00")]
    [InlineData("-rf")]
    public async Task Ids_that_could_name_a_path_are_rejected(string id)
    {
        using var client = daemon.Client(ApiRole.Download);

        using var response = await client.GetAsync($"/v1/dumps/{id}/vmcore", TestContext.Current.CancellationToken);

        response.StatusCode.Should().BeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().NotContain("root:");
    }

    [Fact]
    public async Task Dump_listing_filters_and_pages()
    {
        using var client = daemon.Client(ApiRole.Read);
        var ct = TestContext.Current.CancellationToken;

        using var all = JsonDocument.Parse(await client.GetStringAsync("/v1/dumps?limit=1", ct));
        all.RootElement.GetProperty("total").GetInt32().Should().Be(2);
        all.RootElement.GetProperty("items").GetArrayLength().Should().Be(1);
        using var none = JsonDocument.Parse(await client.GetStringAsync("/v1/dumps?kernel=5.10.0-nope", ct));
        none.RootElement.GetProperty("total").GetInt32().Should().Be(0);
        using var bad = await client.GetAsync("/v1/dumps?since=yesterday", ct);
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_endpoints_for_a_token_holder()
    {
        using var client = daemon.Client(ApiRole.Read);

        var doc = await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        doc.Should().Contain("/v1/dumps/{id}/vmcore").And.Contain("/v1/reload").And.Contain("/readyz");
    }

    internal static async Task<(string Owned, string Foreign)> DumpIds(HttpClient client)
    {
        using var list = JsonDocument.Parse(await client.GetStringAsync("/v1/dumps", TestContext.Current.CancellationToken));
        var items = list.RootElement.GetProperty("items").EnumerateArray().ToList();
        var owned = items.Single(i => i.GetProperty("owned").GetBoolean()).GetProperty("id").GetString()!;
        var foreign = items.Single(i => !i.GetProperty("owned").GetBoolean()).GetProperty("id").GetString()!;
        return (owned, foreign);
    }
}
