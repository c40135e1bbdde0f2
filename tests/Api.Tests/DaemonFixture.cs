using System.Net.Http.Headers;
using Kdumpd.Api.Auth;
using Kdumpd.Core.Elf;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Kdumpd.Api.Tests;

/// <summary>
/// The real daemon on a real Kestrel port: the captured QEMU host tree (with boot stand-ins), the
/// dry-run loader, a real SQLite file, and a dump directory holding one kdumpd dump (a real ELF
/// vmcore header padded to 1 MiB) and one Fedora dump kdumpd must never delete.
/// </summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    public const int VmcoreBytes = 1 << 20;
    public const string OwnedDir = "20261124T195815Z-testhost";
    public const string ForeignDir = "127.0.0.1-2026-11-20-10:11:12";

    private WebApplication? _app;

    public string Root { get; } = Directory.CreateTempSubdirectory("kdumpd-api-").FullName;

    public string DumpDir => Path.Join(Root, "crash");

    public byte[] Vmcore { get; private set; } = [];

    public Dictionary<ApiRole, string> Tokens { get; } = [];

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public IServiceProvider Services => _app!.Services;

    /// <summary>Changes to the options before the daemon is built (a test's own daemon).</summary>
    public Action<KdumpdOptions>? Configure { get; init; }
    /// <summary>Runs after the trees are written and before the daemon starts (to plant faults).</summary>
    public Action<DaemonFixture>? BeforeStart { get; init; }

    public string DatabasePath => Path.Join(Root, "kdumpd.db");

    /// <summary>
    /// Run from a configuration file as <c>kdumpd run --config</c> does (<see cref="ConfigPath"/>, written
    /// from the options after <see cref="Configure"/>): reloads re-read it and the file watcher watches it.
    /// </summary>
    public bool FromConfigFile { get; init; }

    public string ConfigPath => Path.Join(Root, "etc", "kdumpd.json");

    public async ValueTask InitializeAsync()
    {
        var repo = RepoRoot();
        var host = Path.Join(Root, "host");
        CopyTree(Path.Join(repo, "samples", "host"), host);

        Directory.CreateDirectory(Path.Join(DumpDir, OwnedDir));
        Vmcore = SmallVmcore(File.ReadAllBytes(Path.Join(repo, "tests/data/dumps/qemu-6.1-sysrq-vmcore-prefix.bin")));
        await File.WriteAllBytesAsync(Path.Join(DumpDir, OwnedDir, "vmcore"), Vmcore);
        await File.WriteAllTextAsync(Path.Join(DumpDir, OwnedDir, "dmesg.txt"), "[  1.0] sysrq: Trigger a crash\n[  1.0] Kernel panic - not syncing: sysrq triggered crash\n");
        // kdumpd's ownership marker: 0600, with the folder's dump id (what its capture writes).
        await File.WriteAllTextAsync(Path.Join(DumpDir, OwnedDir, "kdumpd.json"), $"{{\"complete\": true, \"dump_id\": \"{Core.Catalog.DumpId.For(OwnedDir)}\"}}\n");
        File.SetUnixFileMode(Path.Join(DumpDir, OwnedDir, "kdumpd.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(Path.Join(DumpDir, ForeignDir));
        await File.WriteAllBytesAsync(Path.Join(DumpDir, ForeignDir, "vmcore"), Vmcore);
        await File.WriteAllTextAsync(Path.Join(DumpDir, ForeignDir, "vmcore-dmesg.txt"), "Kernel panic - not syncing: Oops\n");

        var options = new KdumpdOptions
        {
            HostRoot = host,
            DumpDir = DumpDir,
            Database = Path.Join(Root, "kdumpd.db"),
            Urls = "http://127.0.0.1:0",
        };
        options.Loader.Mode = "dry-run";
        options.Reload.WatchUevents = false;
        options.Reload.Kmsg = "";
        foreach (var role in Enum.GetValues<ApiRole>())
        {
            var (secret, entry) = ApiToken.Create($"test-{role.Name()}", role);
            Tokens[role] = secret;
            options.Api.Tokens.Add(new TokenEntry { Name = entry.Name, Role = role.Name(), Sha256 = entry.Sha256 });
        }

        Configure?.Invoke(options);
        BeforeStart?.Invoke(this);
        var context = new RunContext(null, Sample: false, []);
        if (FromConfigFile)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
            await File.WriteAllTextAsync(ConfigPath, ConfigJson(options));
            var source = new ConfigurationSource(ConfigPath, new Dictionary<string, string?>());
            var loaded = source.Load();
            options = loaded.Options ?? throw new InvalidOperationException(string.Join("; ", loaded.Errors));
            context = new RunContext(ConfigPath, Sample: false, []) { Source = source, Configuration = loaded.Configuration };
        }

        var logger = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console().CreateLogger();
        _app = DaemonHost.Build(options, context, logger);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address + "/");

        // The start-up scan and hashing, and the start-up reload pass, are done before any test asks.
        await _app.Services.GetRequiredService<CatalogMaintenanceService>().FirstScan;
        await _app.Services.GetRequiredService<CatalogMaintenanceService>().RunOnceAsync(CancellationToken.None);
        var coordinator = _app.Services.GetRequiredService<Core.Reload.ReloadCoordinator>();
        for (var i = 0; i < 200 && coordinator.LastPass is null; i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The keys the fixture sets, as an operator's kdumpd.json would hold them.</summary>
    private static string ConfigJson(KdumpdOptions o) => new System.Text.Json.Nodes.JsonObject
    {
        ["HostRoot"] = o.HostRoot,
        [nameof(KdumpdOptions.DumpDir)] = o.DumpDir,
        ["Database"] = o.Database,
        ["Urls"] = o.Urls,
        ["Loader"] = new System.Text.Json.Nodes.JsonObject { ["Mode"] = o.Loader.Mode },
        ["Reload"] = new System.Text.Json.Nodes.JsonObject { ["WatchUevents"] = o.Reload.WatchUevents, ["Kmsg"] = o.Reload.Kmsg, ["QuietWindowMs"] = o.Reload.QuietWindowMs },
        ["Api"] = new System.Text.Json.Nodes.JsonObject
        {
            [nameof(ApiSettings.Tokens)] = new System.Text.Json.Nodes.JsonArray([.. o.Api.Tokens.Select(t => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["Name"] = t.Name, ["Role"] = t.Role, ["Sha256"] = t.Sha256 })]),
        },
    }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    /// <summary>
    /// A complete 1 MiB ELF vmcore: the real crash's notes (NT_PRSTATUS per CPU and VMCOREINFO, at
    /// 0x1000 in the captured /proc/vmcore) and one PT_LOAD of random "RAM" filling the rest.
    /// </summary>
    private static byte[] SmallVmcore(byte[] realPrefix)
    {
        const int notesOffset = 0x1000, notesSize = 0xfc8, loadOffset = 0x2000;
        var vmcore = new byte[VmcoreBytes];
        Random.Shared.NextBytes(vmcore.AsSpan(loadOffset));
        vmcore.AsSpan(0, loadOffset).Clear();
        realPrefix.AsSpan(notesOffset, notesSize).CopyTo(vmcore.AsSpan(notesOffset));
        ProgramHeader[] headers =
        [
            new(ElfConstants.PtNote, 0, notesOffset, 0, 0, notesSize, notesSize, 0),
            new(ElfConstants.PtLoad, ElfConstants.PfR | ElfConstants.PfW | ElfConstants.PfX, loadOffset, 0xffff888000100000, 0x100000, VmcoreBytes - loadOffset, VmcoreBytes - loadOffset, 0),
        ];
        ElfCoreHeader.Write(vmcore, ElfClass.Elf64, ElfConstants.EmX8664, headers);
        return vmcore;
    }

    public HttpClient Client(ApiRole? role = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (role is { } r)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[r]);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Daemon.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Daemon.sln not found above " + AppContext.BaseDirectory);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Join(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Join(to, Path.GetRelativePath(from, file)));
        }
    }
}
