using System.Globalization;
using System.Net;
using System.Text.Json;
using Kdumpd.Api.Auth;
using Kdumpd.Api.Dashboard;
using OpenQA.Selenium;

namespace Kdumpd.Api.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium) against the real daemon over the sample host.
/// Each test signs in with one role and checks what that role sees; every page is saved as a
/// screenshot under artifacts/screenshots. Its own daemon: the hot-add test changes the host.
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private readonly DaemonFixture _daemon = new();

    public ValueTask InitializeAsync() => _daemon.InitializeAsync();

    public ValueTask DisposeAsync() => _daemon.DisposeAsync();

    [Fact]
    public async Task The_page_and_its_files_are_served_without_a_token_under_a_strict_content_security_policy()
    {
        using var client = _daemon.Client();
        var ct = TestContext.Current.CancellationToken;

        foreach (var path in new[] { "/", "/dashboard/app.js", "/dashboard/style.css", "/dashboard/memorymap.js" })
        {
            using var response = await client.GetAsync(path, ct);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            csp.Should().Be(DashboardEndpoints.ContentSecurityPolicy);
            csp.Should().Contain("default-src 'none'").And.Contain("script-src 'self'").And.NotContain("unsafe");
        }

        using var missing = await client.GetAsync("/dashboard/nope.js", ct);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var html = await client.GetStringAsync("/", ct);
        html.Should().NotContain("<script>", "no inline script: the CSP would block it").And.NotContain("style=");
    }

    [Fact]
    public async Task Whoami_names_the_token_and_its_roles()
    {
        using var client = _daemon.Client(ApiRole.Download);

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/whoami", TestContext.Current.CancellationToken));

        doc.RootElement.GetProperty("name").GetString().Should().Be("test-download");
        doc.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().BeEquivalentTo(["download", "read"]);
    }

    [Fact]
    public async Task A_generation_serves_the_plan_it_was_loaded_with()
    {
        using var client = _daemon.Client(ApiRole.Read);
        var ct = TestContext.Current.CancellationToken;

        using var active = JsonDocument.Parse(await client.GetStringAsync("/v1/plan", ct));
        using var recorded = JsonDocument.Parse(await client.GetStringAsync("/v1/generations/1/plan", ct));
        using var none = await client.GetAsync("/v1/generations/999/plan", ct);

        recorded.RootElement.GetProperty("fingerprint").GetString().Should().Be(active.RootElement.GetProperty("fingerprint").GetString());
        recorded.RootElement.GetProperty("systemRam").GetArrayLength().Should().Be(2, "the sample host has two System RAM ranges");
        none.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public void Without_a_token_the_page_shows_no_data_and_says_how_to_create_one()
    {
        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);

        browser.Open("", "sign-in");
        browser.Screenshot("sign-in");
        browser.Driver.FindElement(By.Id("token")).SendKeys("kdumpd_not-a-token");
        browser.Driver.FindElement(By.Id("sign-in-button")).Click();
        DashboardBrowser.WaitUntil(() => browser.Driver.FindElement(By.Id("sign-in-error")).Text.Length > 0, "the sign-in error");

        browser.Text().Should().Contain("kdumpd token new");
        browser.Driver.FindElement(By.Id("sign-in-error")).Text.Should().Contain("does not know this token");
        browser.All("#nav a").Should().OnlyContain(a => !a.Displayed, "no navigation before sign-in");
        browser.Driver.FindElement(By.Id("main")).Text.Should().NotContain("6.1.0-56-amd64", "no host data without a token");
    }

    [Fact]
    public void Read_role_sees_host_dumps_and_generations_but_no_downloads_and_no_reload()
    {
        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);
        browser.SignIn(_daemon.Tokens[ApiRole.Read]);

        browser.Driver.FindElement(By.Id("armed")).GetAttribute("data-armed").Should().Be("true");
        var checks = browser.All("#checks tr[data-check]").Select(r => r.GetAttribute("data-check")).ToList();
        checks.Should().Contain(["loaded", "generation", "kernel-release", "reservation", "database", "dump-space"]);
        browser.Driver.FindElement(By.Id("host-facts")).Text.Should().Contain("6.1.0-56-amd64").And.Contain("256 MiB").And.Contain("dry-run").And.Contain("Crash hotplug");
        browser.All("#reload").Should().BeEmpty("reload is the operate role's");
        browser.Screenshot("host-read");

        browser.Open("#/dumps", "dumps");
        browser.All("#dumps tr[data-dump]").Should().HaveCount(2, "the fixture has a kdumpd dump and a Fedora one");
        browser.All("a[data-download]").Should().BeEmpty("downloads are the download role's");
        browser.Text().Should().Contain("Downloads need a token with the download role");
        browser.Screenshot("dumps-read");
        var id = browser.All("#dumps tr[data-dump]").First().GetAttribute("data-dump")!;
        browser.Open($"#/dumps/{id}", "dumps-" + id);
        browser.All("#dmesg-needs-download").Should().ContainSingle("the kernel log is a download");
        browser.All("#dmesg, a[data-download]").Should().BeEmpty();

        browser.Open("#/generations", "generations");
        browser.All("#generations tr[data-generation]").Should().NotBeEmpty();
        browser.All("#timeline li[data-generation]").Should().NotBeEmpty();
        browser.Driver.FindElement(By.Id("generations")).Text.Should().Contain("loaded").And.Contain("startup");
        browser.SevereLogs().Should().BeEmpty("no script error and no CSP violation");
    }

    [Fact]
    public void Download_role_gets_download_links_and_the_dump_page_shows_panic_trace_dmesg_and_metadata()
    {
        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);
        browser.SignIn(_daemon.Tokens[ApiRole.Download]);

        browser.Open("#/dumps", "dumps");
        browser.All("a[data-download=vmcore]").Should().HaveCount(2);
        browser.All("a[data-download=dmesg]").Should().HaveCount(2);
        browser.Screenshot("dumps-download");

        var owned = browser.All("#dumps tr[data-dump]").First(r => r.Text.Contains("sysrq", StringComparison.Ordinal));
        var id = owned.GetAttribute("data-dump")!;
        owned.FindElement(By.CssSelector("a[href^='#/dumps/']")).Click();
        browser.WaitForPage("dumps-" + id);

        browser.Driver.FindElement(By.Id("panic-line")).Text.Should().Contain("Kernel panic - not syncing: sysrq triggered crash");
        browser.Driver.FindElement(By.Id("dmesg")).Text.Should().Contain("sysrq: Trigger a crash");
        browser.Driver.FindElement(By.Id("dump-meta")).Text.Should().Contain(id).And.Contain("kernelRelease");
        browser.All("#reload").Should().BeEmpty();
        browser.Screenshot("dump");
        browser.SevereLogs().Should().BeEmpty();
    }

    [Fact]
    public void Operate_role_gets_a_reload_button_that_asks_before_it_reloads()
    {
        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);
        browser.SignIn(_daemon.Tokens[ApiRole.Operate]);

        browser.Driver.FindElement(By.Id("reload")).Click();
        DashboardBrowser.WaitUntil(() => browser.Driver.FindElement(By.Id("confirm")).Displayed, "the confirmation dialog");
        browser.Screenshot("host-operate-confirm");
        browser.Driver.FindElement(By.Id("confirm-cancel")).Click();
        DashboardBrowser.WaitUntil(() => browser.Driver.FindElement(By.Id("reload-result")).Text == "Cancelled.", "the cancellation");

        browser.Driver.FindElement(By.Id("reload")).Click();
        DashboardBrowser.WaitUntil(() => browser.Driver.FindElement(By.Id("confirm")).Displayed, "the confirmation dialog");
        browser.Driver.FindElement(By.Id("confirm-ok")).Click();
        DashboardBrowser.WaitUntil(() => browser.Driver.FindElement(By.Id("reload-result")).Text.StartsWith("reloaded", StringComparison.Ordinal), "the reload's answer");

        browser.Driver.FindElement(By.Id("reload-result")).Text.Should().Contain("generation 2");
        browser.All("a[data-download]").Should().BeEmpty();
        browser.SevereLogs().Should().BeEmpty();
    }

    [Fact]
    public async Task An_unloaded_host_is_shown_not_armed_with_each_failing_check_and_its_reason()
    {
        using var client = _daemon.Client(ApiRole.Operate);
        using var unload = await client.PostAsync("/v1/unload", null, TestContext.Current.CancellationToken);
        unload.StatusCode.Should().Be(HttpStatusCode.OK);
        using var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var failing = readiness.RootElement.GetProperty("checks").EnumerateArray()
            .Where(c => !c.GetProperty("ok").GetBoolean())
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("detail").GetString()!);
        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);

        browser.SignIn(_daemon.Tokens[ApiRole.Read]);

        browser.Driver.FindElement(By.Id("armed")).GetAttribute("data-armed").Should().Be("false");
        browser.Driver.FindElement(By.Id("armed")).Text.Should().Contain("NOT ARMED");
        failing.Should().ContainKey("loaded");
        var rows = browser.All("#checks tr[data-ok='false']").ToDictionary(r => r.GetAttribute("data-check")!, r => r.Text);
        rows.Keys.Should().BeEquivalentTo(failing.Keys);
        foreach (var (name, detail) in failing)
        {
            rows[name].Should().Contain("failing").And.Contain(detail);
        }

        browser.Screenshot("host-not-armed");
    }

    [Fact]
    public async Task Memory_map_draws_one_shape_per_planned_segment_at_its_address()
    {
        using var client = _daemon.Client(ApiRole.Read);
        using var plan = JsonDocument.Parse(await client.GetStringAsync("/v1/plan", TestContext.Current.CancellationToken));
        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);
        browser.SignIn(_daemon.Tokens[ApiRole.Read]);

        browser.Open("#/memory", "memory");

        var loads = plan.RootElement.GetProperty("loads").EnumerateArray()
            .Select(l => Shape(l.GetProperty("physicalAddress").GetString(), l.GetProperty("size").GetUInt64())).ToList();
        Shapes(browser, "load").Should().Equal(loads);
        Shapes(browser, "ram").Should().Equal(plan.RootElement.GetProperty("systemRam").EnumerateArray()
            .Select(r => Shape(r.GetProperty("start").GetString(), r.GetProperty("size").GetUInt64())));
        Shapes(browser, "reservation").Should().Equal([Shape("0x2f000000", 256UL << 20)]);
        var header = plan.RootElement.GetProperty("header");
        Shapes(browser, "header").Should().Equal([Shape(header.GetProperty("address").GetString(), header.GetProperty("reserved").GetUInt64())]);
        browser.All("g.shape.load title").Select(t => t.GetAttribute("textContent")).First().Should().Contain("0x100000");
        browser.All("#cpus li").Should().HaveCount(plan.RootElement.GetProperty("notes").EnumerateArray().Count(n => n.GetProperty("kind").GetString() == "crash_notes"));
        browser.Driver.FindElement(By.Id("cpus")).Text.Should().Contain("cpu0").And.Contain("0x3fa3a400");
        LeftToRight(browser).Should().BeInAscendingOrder("the picture keeps address order");
        WidthOf(browser, "header").Should().BeGreaterThan(4, "a 4 KiB header stays visible next to 750 MiB of RAM");
        browser.Screenshot("memory-map");
        browser.SevereLogs().Should().BeEmpty();
    }

    [Fact]
    public async Task Memory_map_marks_ram_hot_added_since_the_previous_generation()
    {
        // Hot-add 1 GiB at 6 GiB in the host tree, then reload: generation 2 plans it, generation 1 did not.
        var iomem = Path.Join(_daemon.Root, "host", "proc", "iomem");
        var lines = File.ReadAllLines(iomem).ToList();
        lines.Insert(lines.FindIndex(l => l.StartsWith("fd00000000-", StringComparison.Ordinal)), "180000000-1bfffffff : System RAM");
        await File.WriteAllLinesAsync(iomem, lines, TestContext.Current.CancellationToken);
        using var client = _daemon.Client(ApiRole.Operate);
        using var reload = await client.PostAsync("/v1/reload", null, TestContext.Current.CancellationToken);
        reload.StatusCode.Should().Be(HttpStatusCode.OK);

        using var browser = DashboardBrowser.StartOrSkip(_daemon.BaseAddress);
        browser.SignIn(_daemon.Tokens[ApiRole.Read]);
        browser.Open("#/memory", "memory");

        Shapes(browser, "added").Should().Equal([Shape("0x180000000", 1UL << 30)]);
        browser.Driver.FindElement(By.Id("added-note")).Text.Should().Contain("not in generation 1");
        browser.Screenshot("memory-map-hot-added");
        browser.Open("#/generations", "generations");
        browser.All("#timeline li[data-generation]").Should().HaveCount(2);
        browser.Screenshot("generations");

        browser.Driver.Manage().Window.Size = DashboardBrowser.Phone;
        browser.Open("#/memory", "memory");
        browser.Screenshot("phone-memory-map");
        browser.Open("#/host", "host");
        browser.Screenshot("phone-host");
        browser.Open("#/dumps", "dumps");
        browser.Screenshot("phone-dumps");
        var overflow = (bool)browser.Driver.ExecuteScript("return document.documentElement.scrollWidth > window.innerWidth + 1")!;
        overflow.Should().BeFalse("at a phone's width wide tables scroll inside their box, the page does not");
    }

    /// <summary>"start size" of each shape of a kind, in drawing order.</summary>
    private static List<string> Shapes(DashboardBrowser browser, string kind) =>
        [.. browser.All($"g.shape[data-kind='{kind}']").Select(g => $"{g.GetAttribute("data-start")} {g.GetAttribute("data-size")}")];

    private static string Shape(string? start, ulong size) => $"{start} {size.ToString(CultureInfo.InvariantCulture)}";

    private static List<double> LeftToRight(DashboardBrowser browser) =>
        [.. browser.All("g.shape[data-kind='load'] rect").Select(r => double.Parse(r.GetAttribute("x")!, CultureInfo.InvariantCulture))];

    private static double WidthOf(DashboardBrowser browser, string kind) =>
        browser.All($"g.shape[data-kind='{kind}'] rect").Select(r => r.Size.Width).Single();
}
