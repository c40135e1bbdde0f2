using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Join(_dir, "kdumpd.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Shipped_default_config_is_valid()
    {
        var path = Path.Join(Repo.Root, "deploy/systemd/kdumpd.json");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Errors.Should().BeEmpty();
        result.Options!.Urls.Should().Be("http://127.0.0.1:5480");
        result.Options.Retention.KeepDumps.Should().Be(5);
    }

    [Fact]
    public void Unknown_key_is_an_error_naming_it()
    {
        var path = Write("""{ "Reload": { "QuietWindow": 100 } }""");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Options.Should().BeNull();
        result.Errors.Should().ContainSingle().Which.Should().Contain("QuietWindow");
    }

    [Fact]
    public void Bad_value_is_an_error_naming_the_key_and_the_choices()
    {
        var path = Write("""{ "Loader": { "Mode": "kexec" }, "Capture": { "FinalAction": "halt" } }""");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Errors.Should().HaveCount(2);
        result.Errors.Should().Contain(e => e.StartsWith($"{path}:1: Loader:Mode: 'kexec'", StringComparison.Ordinal) && e.Contains("dry-run"));
        result.Errors.Should().Contain(e => e.StartsWith($"{path}:1: Capture:FinalAction: 'halt'", StringComparison.Ordinal));
    }

    [Fact]
    public void Command_line_overrides_the_file()
    {
        var path = Write("""{ "DumpDir": "/srv/crash", "Reload": { "QuietWindowMs": 200 } }""");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?> { ["DumpDir"] = "/var/tmp/crash", ["HostRoot"] = null });

        result.Options!.DumpDir.Should().Be("/var/tmp/crash");
        result.Options.HostRoot.Should().Be("/");
        result.Options.Reload.QuietWindowMs.Should().Be(200);
    }

    [Fact]
    public void Plain_http_beyond_loopback_is_refused()
    {
        var path = Write("""{ "Urls": "http://0.0.0.0:5480" }""");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Errors.Should().ContainSingle().Which.Should().Contain("use https://");
    }

    [Theory]
    [InlineData("http://loopback:5499", false)]
    [InlineData("http://LOOPBACK:5499", false)]
    [InlineData("http://localhost.example:5480", false)]
    [InlineData("http://*:5480", false)]
    [InlineData("http://[::]:5480", false)]
    [InlineData("http://localhost:5480", true)]
    [InlineData("http://127.0.0.2:5480", true)]
    [InlineData("http://[::1]:5480", true)]
    public void Plain_http_is_allowed_only_where_kestrel_binds_loopback_alone(string url, bool allowed)
    {
        var path = Write($$"""{ "Urls": "{{url}}" }""");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        if (allowed)
        {
            result.Errors.Should().BeEmpty();
        }
        else
        {
            result.Errors.Should().ContainSingle().Which.Should().Contain("use https://");
        }
    }

    [Theory]
    [InlineData("http://[::]:5480", false)]
    [InlineData("http://0.0.0.0:5480", false)]
    [InlineData("http://127.0.0.1:5480", true)]
    [InlineData("http://[::1]:5480", true)]
    public void A_bound_address_is_judged_as_kestrel_reports_it(string bound, bool loopback) =>
        ListenAddress.IsLoopbackBinding(bound).Should().Be(loopback);

    [Fact]
    public void Token_entries_are_checked()
    {
        var path = Write("""{ "Api": { "Tokens": [ { "Name": "ci", "Role": "admin", "Sha256": "abc" } ] } }""");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Errors.Should().Contain(e => e.StartsWith($"{path}:1: Api:Tokens:0:Role", StringComparison.Ordinal));
        result.Errors.Should().Contain(e => e.StartsWith($"{path}:1: Api:Tokens:0:Sha256", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_json_is_reported_with_its_line()
    {
        var path = Write("{\n  \"DumpDir\": \"/srv/crash\",\n  \"Reload\": { \"QuietWindowMs\": 200 \n  \"Urls\": 1\n}\n");

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Errors.Should().ContainSingle().Which.Should().StartWith($"{path}:4:").And.Contain("not valid JSON");
    }

    [Fact]
    public void An_unknown_key_inside_a_token_entry_is_named_with_its_path_and_line()
    {
        var path = Write("""
            {
              "Api": {
                "Tokens": [
                  { "Name": "ci", "Role": "read", "Sha256": "0000000000000000000000000000000000000000000000000000000000000000", "Expires": "2027-01-01" }
                ]
              }
            }
            """);

        var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

        result.Errors.Should().ContainSingle().Which.Should().Contain($"{path}:4").And.Contain("Api:Tokens:0:Expires").And.Contain("unknown key");
    }

    [Fact]
    public void A_bad_environment_variable_is_blamed_on_the_variable_not_the_file()
    {
        var path = Write("""{ "DumpDir": "/srv/crash" }""");
        Environment.SetEnvironmentVariable("KDUMPD__Reload__QuietWindowMs", "soon");
        try
        {
            var result = ConfigLoader.Load(path, new Dictionary<string, string?>());

            result.Errors.Should().ContainSingle().Which.Should().Contain("environment variable KDUMPD__Reload__QuietWindowMs").And.Contain("'soon'").And.NotContain(path);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KDUMPD__Reload__QuietWindowMs", null);
        }
    }

    [Fact]
    public void Missing_explicit_config_file_is_an_error()
    {
        var result = ConfigLoader.Load(Path.Join(_dir, "nope.json"), new Dictionary<string, string?>());

        result.Errors.Should().ContainSingle().Which.Should().Contain("does not exist");
    }

    [Fact]
    public void Token_new_stores_only_the_hash_with_mode_0600()
    {
        var path = Path.Join(_dir, "etc", "kdumpd.json");
        var (secret, entry) = Kdumpd.Api.Auth.ApiToken.Create("ops", Kdumpd.Api.Auth.ApiRole.Operate);

        ConfigFileEditor.AddToken(path, entry);

        var text = File.ReadAllText(path);
        text.Should().NotContain(secret).And.Contain(entry.Sha256);
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var loaded = ConfigLoader.Load(path, new Dictionary<string, string?>());
        loaded.Errors.Should().BeEmpty();
        loaded.Options!.Api.Tokens.Should().ContainSingle().Which.Role.Should().Be("operate");
        FluentActions.Invoking(() => ConfigFileEditor.AddToken(path, entry)).Should().Throw<InvalidOperationException>().WithMessage("*already exists*");
    }

    [Fact]
    public async Task Ten_parallel_token_new_processes_keep_all_ten_tokens()
    {
        var path = Write("""{ "DumpDir": "/var/crash" }""");
        var daemon = typeof(ConfigFileEditor).Assembly.Location;

        var runs = Enumerable.Range(0, 10).Select(async i =>
        {
            var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { daemon, "token", "new", "--role", "read", "--name", $"t{i}", "--config", path })
            {
                info.ArgumentList.Add(a);
            }

            using var p = System.Diagnostics.Process.Start(info)!;
            var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (p.ExitCode, Secret: (await stdout).Trim(), Error: await stderr);
        }).ToList();
        var results = await Task.WhenAll(runs);

        results.Should().OnlyContain(r => r.ExitCode == 0);
        var loaded = ConfigLoader.Load(path, new Dictionary<string, string?>());
        loaded.Errors.Should().BeEmpty();
        loaded.Options!.Api.Tokens.Select(t => t.Name).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => $"t{i}"));
        loaded.Options.Api.Tokens.Select(t => t.Sha256).Should().BeEquivalentTo(results.Select(r => Kdumpd.Api.Auth.ApiToken.Hash(r.Secret)));
        loaded.Options.DumpDir.Should().Be("/var/crash");
        Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public void Token_new_on_a_file_with_comments_says_it_rewrites_it_and_keeps_the_original()
    {
        var path = Write("""
            {
              // where dumps go
              "DumpDir": "/srv/crash"
            }
            """);
        var (_, entry) = Kdumpd.Api.Auth.ApiToken.Create("ops", Kdumpd.Api.Auth.ApiRole.Read);

        var edit = ConfigFileEditor.AddToken(path, entry);

        edit.CommentsDropped.Should().BeTrue();
        File.ReadAllText(edit.Backup!).Should().Contain("// where dumps go");
        File.GetUnixFileMode(edit.Backup!).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ConfigLoader.Load(path, new Dictionary<string, string?>()).Options!.DumpDir.Should().Be("/srv/crash");
    }
}
