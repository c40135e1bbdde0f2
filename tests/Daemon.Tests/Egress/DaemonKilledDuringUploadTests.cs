using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;
using Kdumpd.Core.Tests.Catalog;
using Kdumpd.Core.Tests.Dumps;
using Kdumpd.Core.Tests.Egress;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Tests.Egress;

/// <summary>
/// The daemon process killed with -9 in the middle of an upload to a real server on loopback
/// (OpenSSH's sshd, s3rver), then started again on the same catalogue: the upload resumes where the
/// target's acknowledgements stopped, ends verified, and nothing local is touched.
/// </summary>
public sealed class DaemonKilledDuringUploadTests : IDisposable
{
    private const string Target = "backup";
    private const int PartMiB = 5;
    private const int Concurrency = 2;
    private const long VmcoreBytes = 40L << 20;

    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-kill9-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Daemon_killed_with_sigkill_mid_sftp_upload_resumes_after_restart_sending_only_what_the_host_lacks()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer();
        sshd.Start();

        await KillMidUploadAndRestartAsync(
            json =>
            {
                json.WriteString("Kind", "sftp");
                json.WriteString("Host", "127.0.0.1");
                json.WriteNumber("Port", sshd.Port);
                json.WriteString("User", "root");
                json.WriteString("HostKey", sshd.HostKeySha256);
                json.WriteString("PrivateKeyFile", sshd.ClientKeyPath);
                json.WriteString("Directory", sshd.UploadRoot);
            },
            beforeRestart: () => Directory.EnumerateFiles(sshd.UploadRoot, "vmcore", SearchOption.AllDirectories).Should().BeEmpty("only the .part exists before verification"),
            remoteVmcore: () =>
            {
                Directory.EnumerateFiles(sshd.UploadRoot, "*" + SftpUploader.PartSuffix, SearchOption.AllDirectories).Should().BeEmpty();
                return Task.FromResult(File.ReadAllBytes(Directory.EnumerateFiles(sshd.UploadRoot, "vmcore", SearchOption.AllDirectories).Single()));
            });
    }

    [Fact]
    public async Task Daemon_killed_with_sigkill_mid_s3_upload_resumes_after_restart_sending_only_the_missing_parts()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        using var s3 = new S3rverServer();
        s3.Start();
        var credentials = Path.Join(_root, "s3.credentials");
        File.WriteAllText(credentials, $"[default]\naws_access_key_id = {S3rverServer.AccessKey}\naws_secret_access_key = {S3rverServer.SecretKey}\n");
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await KillMidUploadAndRestartAsync(
            json =>
            {
                json.WriteString("Kind", "s3");
                json.WriteString("Bucket", S3rverServer.Bucket);
                json.WriteString("Prefix", "fleet");
                json.WriteString("Endpoint", s3.Endpoint.ToString());
                json.WriteString("CredentialsFile", credentials);
            },
            beforeRestart: () => { },
            remoteVmcore: async () =>
            {
                using var client = new AmazonS3Client(new BasicAWSCredentials(S3rverServer.AccessKey, S3rverServer.SecretKey),
                    new AmazonS3Config { ServiceURL = s3.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
                var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3rverServer.Bucket, Prefix = "fleet/" }, TestContext.Current.CancellationToken);
                var key = listed.S3Objects.Select(o => o.Key).Single(k => k.EndsWith("/vmcore", StringComparison.Ordinal));
                using var response = await client.GetObjectAsync(S3rverServer.Bucket, key, TestContext.Current.CancellationToken);
                using var copy = new MemoryStream();
                await response.ResponseStream.CopyToAsync(copy, TestContext.Current.CancellationToken);
                return copy.ToArray();
            });
    }

    /// <summary>
    /// Starts the daemon on a catalogued 40 MiB dump with one target bounded to 8 MiB/s (the upload
    /// lasts seconds, so the kill lands in its middle), kills it with -9 once a third is acknowledged,
    /// starts it again and waits for the verdict.
    /// </summary>
    private async Task KillMidUploadAndRestartAsync(Action<Utf8JsonWriter> target, Action beforeRestart, Func<Task<byte[]>> remoteVmcore)
    {
        var ct = TestContext.Current.CancellationToken;
        var dumps = Directory.CreateDirectory(Path.Join(_root, "crash")).FullName;
        var folder = Directory.CreateDirectory(Path.Join(dumps, "20261124T100000Z-web1")).FullName;
        SyntheticDumps.WriteRandomElf(Path.Join(folder, "vmcore"), VmcoreBytes);
        File.WriteAllText(Path.Join(folder, "dmesg.txt"), "[   21.793926] Kernel panic - not syncing: sysrq triggered crash\n");
        DumpTrees.Marker(folder, """{"format_version":1,"hostname":"web1","started_at":"2026-11-24T10:00:00Z","complete":true}""");
        var local = LocalFiles(folder);

        // Catalogued and hashed before the daemon starts, so its start-up egress pass ships the dump at once.
        var databasePath = Path.Join(_root, "kdumpd.db");
        var database = new KdumpdDatabase(databasePath);
        database.Migrate();
        var catalog = new DumpCatalog(database, dumps);
        catalog.Scan(ct);
        catalog.HashPending(ct).Should().Be(1);
        var dump = catalog.List(new DumpQuery()).Items.Single();
        var store = new EgressStateStore(database);

        using var daemon = new DaemonProcess(_root, WriteConfig(target), dumps, databasePath);
        daemon.Start();
        var atKill = await WaitAsync(() => store.Get(dump.Id, Target) is { State: EgressState.Uploading, BytesTotal: { } total, BytesDone: var done } s
            && done >= total / 3 ? s : null, daemon, ct);
        daemon.KillNine();
        var inFlight = (long)Concurrency * (PartMiB << 20);
        atKill.BytesDone.Should().BeLessThan((atKill.BytesTotal!.Value / 2) + inFlight, "the kill landed in the middle of the upload");
        beforeRestart();

        daemon.Start();
        var done = await WaitAsync(() => store.Get(dump.Id, Target) is { State: EgressState.Verified or EgressState.Failed } s ? s : null, daemon, ct);

        done.State.Should().Be(EgressState.Verified, done.Reason);
        done.Attempts.Should().BeGreaterThanOrEqualTo(2, "the daemon started again resumed the interrupted upload");
        var sentAfterRestart = done.BytesSent - atKill.BytesSent;
        sentAfterRestart.Should().BeLessThan(done.BytesTotal!.Value, "the bytes the target held at the kill are not sent again");
        sentAfterRestart.Should().BeLessThanOrEqualTo(done.BytesTotal.Value - atKill.BytesDone + inFlight,
            "at most the parts in flight at the kill are sent twice");
        Convert.ToHexStringLower(SHA256.HashData(await remoteVmcore())).Should().Be(dump.Sha256);
        LocalFiles(folder).Should().BeEquivalentTo(local, "an upload never deletes or changes the local dump");
    }

    private string WriteConfig(Action<Utf8JsonWriter> target)
    {
        var path = Path.Join(_root, "kdumpd.json");
        using (var stream = File.Create(path))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("Egress");
            json.WriteString("StagingDirectory", Path.Join(_root, "staging"));
            json.WriteStartArray("Targets");
            json.WriteStartObject();
            json.WriteString("Name", Target);
            target(json);
            json.WriteNumber("PartSizeMiB", PartMiB);
            json.WriteNumber("Concurrency", Concurrency);
            json.WriteNumber("BytesPerSecond", 8 << 20);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static Dictionary<string, string> LocalFiles(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Polls the catalogue the daemon writes (a real SQLite file) until <paramref name="probe"/> answers.</summary>
    private static async Task<EgressStatus> WaitAsync(Func<EgressStatus?> probe, DaemonProcess daemon, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } status)
            {
                return status;
            }

            if (daemon.HasExited)
            {
                throw new InvalidOperationException($"kdumpd exited: {daemon.Log}");
            }

            await Task.Delay(20, ct);
        }

        throw new TimeoutException($"the upload did not reach the expected state within 3 minutes; kdumpd's log: {daemon.Log}");
    }
}
