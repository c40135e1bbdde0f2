using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kdumpd.Api.Auth;
using Kdumpd.Core.Catalog;

namespace Kdumpd.Api.Tests;

/// <summary>
/// What an intruder or bad luck leaves in the dump directory (a FIFO, links to /etc/shadow and
/// /dev/zero, a dangling link) must never hang the catalogue or leak a byte from outside it.
/// </summary>
public sealed class PlantedFileTests : IAsyncLifetime
{
    public const string Shadow = "20261125T000000Z-shadow";
    public const string Fifo = "20261125T000001Z-fifo";
    public const string Zero = "20261125T000002Z-zero";
    public const string Dangling = "20261125T000003Z-dangling";
    public const string Inner = "20261125T000004Z-inner";

    private readonly DaemonFixture _daemon = new() { BeforeStart = Plant };

    public ValueTask InitializeAsync() => _daemon.InitializeAsync();

    public ValueTask DisposeAsync() => _daemon.DisposeAsync();

    private static void Plant(DaemonFixture d)
    {
        string Dir(string name) => Directory.CreateDirectory(Path.Join(d.DumpDir, name)).FullName;
        File.CreateSymbolicLink(Path.Join(Dir(Shadow), "vmcore"), File.Exists("/etc/shadow") ? "/etc/shadow" : "/etc/passwd");
        File.CreateSymbolicLink(Path.Join(Dir(Shadow), "dmesg.txt"), "/etc/passwd");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [Path.Join(Dir(Fifo), "vmcore")]))!)
        {
            mkfifo.WaitForExit();
        }

        File.CreateSymbolicLink(Path.Join(Dir(Zero), "vmcore"), "/dev/zero");
        File.CreateSymbolicLink(Path.Join(Dir(Dangling), "vmcore"), "vmcore.gone");
        File.WriteAllBytes(Path.Join(Dir(Inner), "vmcore.real"), d.Vmcore);
        File.CreateSymbolicLink(Path.Join(Dir(Inner), "vmcore"), "vmcore.real");
    }

    private static async Task<Dictionary<string, JsonElement>> Rows(HttpClient client)
    {
        using var list = JsonDocument.Parse(await client.GetStringAsync("/v1/dumps", TestContext.Current.CancellationToken));
        return list.RootElement.GetProperty("items").EnumerateArray()
            .ToDictionary(i => Path.GetFileName(i.GetProperty("directory").GetString()!), i => i.Clone());
    }

    [Fact]
    public async Task Special_files_and_links_out_are_listed_with_a_reason_and_never_read_or_hashed()
    {
        using var client = _daemon.Client(ApiRole.Read);

        var rows = await Rows(client);

        rows.Should().ContainKeys(Shadow, Fifo, Zero, Dangling, Inner);
        rows[Shadow].GetProperty("headerError").GetString().Should().Contain("out of the dump directory");
        rows[Zero].GetProperty("headerError").GetString().Should().Contain("out of the dump directory");
        rows[Fifo].GetProperty("headerError").GetString().Should().Contain("FIFO");
        foreach (var planted in new[] { Shadow, Zero, Fifo, Dangling })
        {
            rows[planted].GetProperty("sha256").ValueKind.Should().Be(JsonValueKind.Null, $"{planted} is never hashed");
            rows[planted].GetProperty("complete").GetBoolean().Should().BeFalse();
            rows[planted].GetProperty("owned").GetBoolean().Should().BeFalse();
        }

        rows[Inner].GetProperty("sha256").GetString().Should().HaveLength(64, "a link to a file inside the dump directory is a dump like any other");
    }

    [Fact]
    public async Task Downloads_of_planted_files_are_refused_quickly_and_serve_no_byte_from_outside()
    {
        using var client = _daemon.Client(ApiRole.Download);
        var ct = TestContext.Current.CancellationToken;
        var rows = await Rows(client);
        string Id(string name) => rows[name].GetProperty("id").GetString()!;
        var secret = await File.ReadAllBytesAsync(File.Exists("/etc/shadow") ? "/etc/shadow" : "/etc/passwd", ct);

        var watch = Stopwatch.StartNew();
        foreach (var (name, file, status) in new[]
        {
            (Shadow, "vmcore", HttpStatusCode.Forbidden),
            (Shadow, "dmesg", HttpStatusCode.Forbidden),
            (Fifo, "vmcore", HttpStatusCode.Forbidden),
            (Zero, "vmcore", HttpStatusCode.Forbidden),
            (Dangling, "vmcore", HttpStatusCode.Gone),
        })
        {
            foreach (var range in new[] { null, "bytes=0-99" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{Id(name)}/{file}");
                if (range is not null)
                {
                    request.Headers.TryAddWithoutValidation("Range", range);
                }

                using var response = await client.SendAsync(request, ct);
                response.StatusCode.Should().Be(status, $"{name}/{file} {range}");
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                if (secret.Length > 16)
                {
                    body.AsSpan().IndexOf(secret.AsSpan(0, 16)).Should().Be(-1, "no byte of the link's target is served");
                }
            }
        }

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "no request waits on a FIFO or reads /dev/zero");
    }

    [Fact]
    public async Task A_link_inside_the_dump_directory_serves_ranges_and_its_etag_follows_the_target()
    {
        using var client = _daemon.Client(ApiRole.Download);
        var ct = TestContext.Current.CancellationToken;
        var id = (await Rows(client))[Inner].GetProperty("id").GetString()!;

        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{id}/vmcore");
        ranged.Headers.Range = new RangeHeaderValue(100, 199);
        using var partial = await client.SendAsync(ranged, ct);
        partial.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        (await partial.Content.ReadAsByteArrayAsync(ct)).Should().Equal(_daemon.Vmcore[100..200]);
        var etag = partial.Headers.ETag!;

        // The target is replaced (same size, another file): the old tag must not answer 304.
        var target = Path.Join(_daemon.DumpDir, Inner, "vmcore.real");
        var replacement = (byte[])_daemon.Vmcore.Clone();
        replacement[^1] ^= 0xff;
        var mtime = File.GetLastWriteTimeUtc(target);
        await File.WriteAllBytesAsync(target + ".new", replacement, ct);
        File.SetLastWriteTimeUtc(target + ".new", mtime);
        File.Move(target + ".new", target, overwrite: true);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/dumps/{id}/vmcore");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var fresh = await client.SendAsync(conditional, ct);
        fresh.StatusCode.Should().Be(HttpStatusCode.OK, "the ETag is the file's identity, not the link's size and mtime");
        (await fresh.Content.ReadAsByteArrayAsync(ct)).Should().Equal(replacement);
    }
}

/// <summary>A broken catalogue database never keeps the host unarmed and is rebuilt from the files.</summary>
public sealed class DatabaseFaultTests
{
    private static void Damage(string path, string damage)
    {
        // A real database of this kdumpd first (a previous run), then the damage.
        var database = new KdumpdDatabase(path);
        database.Migrate();
        var store = new GenerationStore(database);
        for (var i = 0; i < 3; i++)
        {
            store.Record(new GenerationRecord { StartedAt = DateTimeOffset.UtcNow, Loader = "dry-run", Outcome = GenerationOutcome.Loaded, PlanJson = new string('p', 5000) });
        }

        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "header":
                Random.Shared.NextBytes(bytes.AsSpan(0, 100));
                break;
            case "after-byte-100":
                Random.Shared.NextBytes(bytes.AsSpan(100));
                break;
            default:
                bytes = bytes[..(bytes.Length / 3)];
                break;
        }

        File.WriteAllBytes(path, bytes);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("after-byte-100")]
    [InlineData("truncated")]
    public async Task A_corrupt_database_still_arms_the_host_lists_dumps_and_fails_readyz_naming_the_moved_file(string damage)
    {
        await using var daemon = new DaemonFixture { BeforeStart = d => Damage(d.DatabasePath, damage) };
        await daemon.InitializeAsync();
        using var client = daemon.Client(ApiRole.Read);
        var ct = TestContext.Current.CancellationToken;

        using var ready = await client.GetAsync("/readyz", ct);
        var text = await ready.Content.ReadAsStringAsync(ct);

        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        text.Should().Contain("\"name\":\"loaded\",\"ok\":true", "the host is armed whatever the database");
        text.Should().Contain("\"name\":\"database\",\"ok\":false").And.Contain("kdumpd.db.broken-");
        using var dumps = await client.GetAsync("/v1/dumps", ct);
        dumps.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ApiTests.DumpIds(client)).Owned.Should().NotBeNullOrEmpty("the catalogue was rebuilt from the files");
    }

    [Fact]
    public async Task A_database_deleted_under_the_running_daemon_is_rebuilt_without_errors_or_lost_generations()
    {
        await using var daemon = new DaemonFixture();
        await daemon.InitializeAsync();
        using var client = daemon.Client(ApiRole.Operate);
        var ct = TestContext.Current.CancellationToken;
        using var before = JsonDocument.Parse(await client.GetStringAsync("/v1/generations", ct));
        var generationsBefore = before.RootElement.GetArrayLength();

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(daemon.DatabasePath + suffix);
        }

        var failures = 0;
        for (var i = 0; i < 80; i++)
        {
            using var response = await client.GetAsync("/v1/dumps", ct);
            failures += response.IsSuccessStatusCode ? 0 : 1;
        }

        failures.Should().Be(0);
        using var reload = await client.PostAsync("/v1/reload", null, ct);
        reload.StatusCode.Should().Be(HttpStatusCode.OK);
        using var after = JsonDocument.Parse(await client.GetStringAsync("/v1/generations", ct));
        after.RootElement.GetArrayLength().Should().Be(generationsBefore + 1, "the generations recorded before the deletion are recorded again");
        File.Exists(daemon.DatabasePath).Should().BeTrue();
    }
}
