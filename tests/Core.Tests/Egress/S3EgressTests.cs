using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Kdumpd.Core.Egress;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>Egress to a real S3-compatible server on loopback (s3rver: multipart, path-style).</summary>
public sealed class S3EgressTests
{
    private static S3Target Target(S3rverServer s3, EgressLimits? limits = null, string accessKey = S3rverServer.AccessKey) =>
        new("fleet-bucket", S3rverServer.Bucket, "crashes", s3.Endpoint, "us-east-1",
            new S3Credentials(accessKey, S3rverServer.SecretKey), PathStyle: true, limits ?? EgressRig.FastLimits());

    private static async Task<byte[]> ObjectBytesAsync(S3rverServer s3, string key)
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials(S3rverServer.AccessKey, S3rverServer.SecretKey),
            new AmazonS3Config { ServiceURL = s3.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        using var response = await client.GetObjectAsync(S3rverServer.Bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Dump_is_shipped_to_s3_in_parts_and_verified_against_its_sha256()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        using var s3 = new S3rverServer();
        s3.Start();
        await using var rig = new EgressRig();
        var local = rig.LocalFiles();

        (await rig.Coordinator(Target(s3)).RunPassAsync(CancellationToken.None)).Should().Be(1);

        var status = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        status.Location.Should().Be($"s3://{S3rverServer.Bucket}/crashes/{rig.RemoteFolder}/");
        status.BytesSent.Should().BeGreaterThanOrEqualTo(status.BytesTotal!.Value);
        var vmcore = await ObjectBytesAsync(s3, $"crashes/{rig.RemoteFolder}/vmcore");
        Convert.ToHexStringLower(SHA256.HashData(vmcore)).Should().Be(rig.Dump.Sha256);
        var index = System.Text.Encoding.UTF8.GetString(await ObjectBytesAsync(s3, $"crashes/{rig.RemoteFolder}/index.json"));
        index.Should().Contain($"\"sha256\": \"{rig.Dump.Sha256}\"");
        rig.Metrics.Outcomes[("fleet-bucket", "verified")].Should().Be(1);
        rig.LocalFiles().Should().BeEquivalentTo(local);
    }

    [Fact]
    public async Task Wrong_credentials_fail_as_authentication_without_retrying_and_keep_the_dump()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        using var s3 = new S3rverServer();
        s3.Start();
        await using var rig = new EgressRig(1 << 20);

        await rig.Coordinator(Target(s3, accessKey: "NOT-A-KEY")).RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        status.State.Should().Be(EgressState.Failed);
        status.Reason.Should().Contain("refused the credentials of access key id NOT-A-KEY");
        status.Attempts.Should().Be(1);
        File.Exists(rig.VmcorePath).Should().BeTrue();
    }

    [Fact]
    public async Task Server_stopped_midway_then_restarted_resumes_sending_only_missing_parts()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        using var s3 = new S3rverServer();
        s3.Start();
        await using var rig = new EgressRig(40 << 20);
        var limits = EgressRig.FastLimits(partSize: 5 << 20, attempts: 1) with { Concurrency = 1, BytesPerSecond = 16 << 20 };
        var coordinator = rig.Coordinator(Target(s3, limits));

        await rig.RunUntilHalfThenAsync(coordinator, "fleet-bucket", s3.Stop);
        var failed = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        failed.State.Should().Be(EgressState.Failed);
        var sentBefore = failed.BytesSent;

        s3.Start();
        await coordinator.RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        (status.BytesSent - sentBefore).Should().BeLessThanOrEqualTo(status.BytesTotal!.Value - failed.BytesDone + limits.PartSizeBytes,
            "the parts the server acknowledged before the stop are not sent again");
        var vmcore = await ObjectBytesAsync(s3, $"crashes/{rig.RemoteFolder}/vmcore");
        Convert.ToHexStringLower(SHA256.HashData(vmcore)).Should().Be(rig.Dump.Sha256);
    }

    [Fact]
    public async Task Corrupted_part_on_the_server_is_detected_by_verification_and_sent_again()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        using var s3 = new S3rverServer();
        s3.Start();
        await using var rig = new EgressRig(24 << 20);
        var limits = EgressRig.FastLimits(partSize: 5 << 20, attempts: 2) with { Concurrency = 1, BytesPerSecond = 16 << 20 };
        var coordinator = rig.Coordinator(Target(s3, limits));
        await rig.RunUntilHalfThenAsync(coordinator, "fleet-bucket", s3.Stop);
        rig.Store.Get(rig.Dump.Id, "fleet-bucket")!.State.Should().Be(EgressState.Failed);

        // A part the server acknowledged rots on its disk before the upload is completed.
        var part = Directory.EnumerateFiles(s3.DataDirectory, "1", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(part);
        bytes[4096] ^= 0xff;
        File.WriteAllBytes(part, bytes);
        s3.Start();
        await coordinator.RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        var vmcore = await ObjectBytesAsync(s3, $"crashes/{rig.RemoteFolder}/vmcore");
        vmcore.Should().Equal(File.ReadAllBytes(rig.VmcorePath));
    }

    [Fact]
    public async Task Full_target_fails_with_a_reason_naming_the_object_and_nothing_local_is_deleted()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        Assert.SkipWhen(SmallTmpfs.SkipReason is not null, SmallTmpfs.SkipReason ?? "");
        using var s3 = new S3rverServer();
        using var full = new SmallTmpfs(s3.DataDirectory, mebibytes: 8);
        s3.Start();
        await using var rig = new EgressRig(24 << 20);
        var local = rig.LocalFiles();

        await rig.Coordinator(Target(s3, EgressRig.FastLimits(partSize: 5 << 20))).RunPassAsync(CancellationToken.None);

        // s3rver dies on ENOSPC (an unhandled write error) instead of answering 507 as Ceph RGW
        // does or XMinioStorageFull as MinIO does (those fail at once, as refusals): to kdumpd the
        // server went away, which is retried, then failed with where.
        var status = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        status.State.Should().Be(EgressState.Failed);
        status.Reason.Should().Contain($"s3://{S3rverServer.Bucket}/crashes/{rig.RemoteFolder}/vmcore at {s3.Endpoint}");
        rig.LocalFiles().Should().BeEquivalentTo(local);
    }

    [Fact]
    public async Task Full_target_answering_errors_fails_with_its_answer_and_nothing_local_is_deleted_then_ships_once_space_is_freed()
    {
        Assert.SkipWhen(S3rverServer.SkipReason is not null, S3rverServer.SkipReason ?? "");
        Assert.SkipWhen(SmallTmpfs.SkipReason is not null, SmallTmpfs.SkipReason ?? "");
        using var s3 = new S3rverServer();
        using var full = new SmallTmpfs(s3.DataDirectory, mebibytes: 64, inodes: 64);
        s3.Start();
        // No inode left: every upload's first request (a new directory for its key or upload id)
        // gets ENOSPC, which s3rver answers as 500 InternalError and stays up (a full disk under
        // a write it is streaming kills it instead: the test above).
        var fillers = full.ExhaustInodes();
        await using var rig = new EgressRig(8 << 20);
        var local = rig.LocalFiles();
        var coordinator = rig.Coordinator(Target(s3, EgressRig.FastLimits(partSize: 5 << 20)));

        await coordinator.RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "fleet-bucket")!;
        status.State.Should().Be(EgressState.Failed);
        status.Reason.Should().Contain($"s3://{S3rverServer.Bucket}/crashes/{rig.RemoteFolder}/").And.Contain("500 InternalError");
        status.BytesDone.Should().Be(0);
        s3.IsRunning.Should().BeTrue("s3rver answered the full disk instead of dying");
        rig.LocalFiles().Should().BeEquivalentTo(local);
        File.Exists(rig.VmcorePath).Should().BeTrue();

        // The operator frees space: the next pass ships the dump, verified.
        foreach (var filler in fillers)
        {
            File.Delete(filler);
        }

        await coordinator.RunPassAsync(CancellationToken.None);
        rig.Store.Get(rig.Dump.Id, "fleet-bucket")!.State.Should().Be(EgressState.Verified);
        (await ObjectBytesAsync(s3, $"crashes/{rig.RemoteFolder}/vmcore")).Should().Equal(File.ReadAllBytes(rig.VmcorePath));
    }
}
