using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;

namespace Kdumpd.Core.Tests.Egress;

public sealed class EgressRetentionTests
{
    private static readonly EgressLimits _limits = EgressRig.FastLimits();

    private static EgressTarget[] Targets() =>
    [
        new S3Target("bucket", "b", "", new Uri("http://127.0.0.1:9"), "us-east-1", new S3Credentials("k", "s"), true, _limits),
        new SftpTarget("host", "127.0.0.1", 9, "u", "SHA256:x", "/nonexistent", "/d", _limits),
    ];

    [Fact]
    public async Task Retention_deletes_a_local_copy_only_after_every_target_verified_it()
    {
        await using var rig = new EgressRig(1 << 20, olderDumps: 1);
        var coordinator = rig.Coordinator(Targets());
        var older = rig.Catalog.List(new DumpQuery()).Items[^1];
        var policy = new RetentionPolicy(KeepNewest: 1, Hold: coordinator.HoldReason);

        rig.Catalog.ApplyRetention(policy).Should().BeEmpty("no target verified it yet");

        rig.Store.Begin(older.Id, "bucket", 100);
        rig.Store.Verified(older.Id, "bucket", "s3://b/x/");
        rig.Store.Begin(older.Id, "host", 100);
        coordinator.HoldReason(older.Id).Should().Contain("host").And.NotContain("bucket");
        rig.Catalog.ApplyRetention(policy).Should().BeEmpty("one target is still uploading it");
        Directory.Exists(older.Directory).Should().BeTrue();

        rig.Store.Failed(older.Id, "host", "network");
        rig.Catalog.ApplyRetention(policy).Should().BeEmpty("a failed upload is not a verified copy");

        rig.Store.Begin(older.Id, "host", 100);
        rig.Store.Verified(older.Id, "host", "sftp://u@h:22/d/x/");
        coordinator.HoldReason(older.Id).Should().BeNull();
        rig.Catalog.ApplyRetention(policy).Select(d => d.Id).Should().Equal(older.Id);
        Directory.Exists(older.Directory).Should().BeFalse();
    }

    [Fact]
    public async Task Interrupted_uploads_are_pending_again_at_start_and_keep_their_resume_point()
    {
        await using var rig = new EgressRig(1 << 20);
        var coordinator = rig.Coordinator(Targets());
        var file = new EgressFile("vmcore", rig.VmcorePath, new FileInfo(rig.VmcorePath).Length, rig.Dump.Sha256!);
        rig.Store.Begin(rig.Dump.Id, "host", file.Size);
        rig.Store.Journal(rig.Dump.Id, "host", file).SetBytesDone(4096);

        coordinator.RecoverInterrupted().Should().Be(1);

        rig.Store.Get(rig.Dump.Id, "host")!.State.Should().Be(EgressState.Pending);
        rig.Store.Journal(rig.Dump.Id, "host", file).BytesDone.Should().Be(4096);
        rig.Store.Journal(rig.Dump.Id, "host", file with { Sha256 = new string('0', 64) }).BytesDone.Should().Be(0, "a changed file starts over");
    }
}
