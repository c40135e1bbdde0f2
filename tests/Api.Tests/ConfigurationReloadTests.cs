using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Kdumpd.Api.Auth;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kdumpd.Api.Tests;

/// <summary>
/// A configuration reload on a running daemon (real Kestrel, real file, real file watcher): what SIGHUP
/// (<see cref="LiveConfiguration.Reload"/>, the call its handler makes) and an edit of the file change
/// without a restart, what they log as needing one, and what an invalid edit leaves in force.
/// </summary>
public sealed class ConfigurationReloadTests : IAsyncLifetime
{
    private readonly DaemonFixture _daemon = new() { FromConfigFile = true };

    public ValueTask InitializeAsync() => _daemon.InitializeAsync();

    public ValueTask DisposeAsync() => _daemon.DisposeAsync();

    private LiveConfiguration Live => _daemon.Services.GetRequiredService<LiveConfiguration>();

    [Fact]
    public async Task A_token_added_with_token_new_works_after_SIGHUP_without_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var (secret, entry) = ApiToken.Create("added-later", ApiRole.Read);
        using var client = ClientWith(secret);
        (await StatusCode(client, ct)).Should().Be(HttpStatusCode.Unauthorized, "the token is not configured yet");

        ConfigFileEditor.AddToken(_daemon.ConfigPath, entry);
        var result = Live.Reload("SIGHUP");

        result.Applied.Should().BeTrue(string.Join("; ", result.Errors));
        result.RestartKeys.Should().BeEmpty("tokens are applied without a restart");
        (await StatusCode(client, ct)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_removed_from_the_file_gets_401_from_the_next_request_after_SIGHUP()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = _daemon.Client(ApiRole.Read);
        (await StatusCode(client, ct)).Should().Be(HttpStatusCode.OK);

        EditConfig(root => root["Api"]!["Tokens"]!.AsArray().Remove(root["Api"]!["Tokens"]!.AsArray().Single(t => (string?)t!["Name"] == "test-read")));
        Live.Reload("SIGHUP").Applied.Should().BeTrue();

        (await StatusCode(client, ct)).Should().Be(HttpStatusCode.Unauthorized, "a revoked token must not outlive the reload");
        using var operate = _daemon.Client(ApiRole.Operate);
        (await StatusCode(operate, ct)).Should().Be(HttpStatusCode.OK, "the tokens still in the file keep working");
    }

    [Fact]
    public async Task A_token_added_to_the_file_works_without_any_signal_once_the_daemon_sees_the_change()
    {
        var ct = TestContext.Current.CancellationToken;
        var (secret, entry) = ApiToken.Create("watched", ApiRole.Read);
        using var client = ClientWith(secret);

        ConfigFileEditor.AddToken(_daemon.ConfigPath, entry);

        var status = HttpStatusCode.Unauthorized;
        for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100, ct);
            status = await StatusCode(client, ct);
        }

        status.Should().Be(HttpStatusCode.OK, "the file watcher's pass re-reads a changed configuration file before it plans");
    }

    [Fact]
    public async Task A_changed_configuration_file_is_planned_with_the_new_options()
    {
        var ct = TestContext.Current.CancellationToken;
        var state = _daemon.Services.GetRequiredService<DaemonState>();
        state.Plan.Planned!.CaptureCommandLine.Should().NotContain("kdumpd.reloadtest=1");

        EditConfig(root => root["Loader"]!["Append"] = "kdumpd.reloadtest=1");

        for (var i = 0; i < 100 && state.Plan.Planned?.CaptureCommandLine.Contains("kdumpd.reloadtest=1", StringComparison.Ordinal) != true; i++)
        {
            await Task.Delay(100, ct);
        }

        state.Plan.Planned!.CaptureCommandLine.Should().Contain("kdumpd.reloadtest=1", "the pass the file change started plans with the file's new Loader:Append");
        Live.Options.Loader.Append.Should().Be("kdumpd.reloadtest=1");
    }

    [Fact]
    public async Task An_invalid_edit_is_refused_with_file_line_and_key_and_the_old_configuration_stays()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = _daemon.Client(ApiRole.Read);
        EditConfig(root => root["Retention"] = new JsonObject { ["KeepDumps"] = 3, ["KeepForever"] = true });

        var unknownKey = Live.Reload("SIGHUP");

        unknownKey.Applied.Should().BeFalse();
        unknownKey.Errors.Should().ContainSingle().Which.Should().Contain($"{_daemon.ConfigPath}:").And.Contain("Retention:KeepForever").And.Contain("unknown key");
        Live.Options.Retention.KeepDumps.Should().Be(0, "nothing of a refused configuration is applied");

        var text = await File.ReadAllTextAsync(_daemon.ConfigPath, ct);
        await File.WriteAllTextAsync(_daemon.ConfigPath, text[..(text.Length / 2)], ct);
        var badJson = Live.Reload("SIGHUP");

        badJson.Applied.Should().BeFalse();
        badJson.Errors.Should().ContainSingle().Which.Should().MatchRegex($"^{System.Text.RegularExpressions.Regex.Escape(_daemon.ConfigPath)}:[0-9]+:[0-9]+: not valid JSON");
        (await StatusCode(client, ct)).Should().Be(HttpStatusCode.OK, "the tokens in force stay when the new file is refused");
    }

    [Fact]
    public async Task A_changed_listen_address_is_named_as_needing_a_restart_and_the_rest_is_applied()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = _daemon.Client(ApiRole.Read);
        EditConfig(root =>
        {
            root["Urls"] = "http://127.0.0.1:1";
            root["Reload"]!["OperatorIntervalSeconds"] = 7;
        });

        var result = Live.Reload("SIGHUP");

        result.Applied.Should().BeTrue(string.Join("; ", result.Errors));
        result.RestartKeys.Should().Equal("Urls");
        _daemon.Services.GetRequiredService<Core.Reload.OperatorReloadGate>().MinInterval.Should().Be(TimeSpan.FromSeconds(7));
        (await StatusCode(client, ct)).Should().Be(HttpStatusCode.OK, "the daemon still listens where it started");
    }

    private HttpClient ClientWith(string secret)
    {
        var client = _daemon.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static async Task<HttpStatusCode> StatusCode(HttpClient client, CancellationToken ct)
    {
        using var response = await client.GetAsync("/v1/status", ct);
        return response.StatusCode;
    }

    /// <summary>Edits the file as an editor does: write beside, rename over.</summary>
    private void EditConfig(Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(_daemon.ConfigPath))!.AsObject();
        edit(root);
        var temporary = _daemon.ConfigPath + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString());
        File.Move(temporary, _daemon.ConfigPath, overwrite: true);
    }
}
