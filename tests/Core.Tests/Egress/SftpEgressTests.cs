using System.Security.Cryptography;
using Kdumpd.Core.Egress;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>Egress to a real OpenSSH sshd on loopback (SFTP, pinned host key, key authentication).</summary>
public sealed class SftpEgressTests
{
    private static SftpTarget Target(SshdServer sshd, EgressLimits? limits = null, string? hostKey = null) =>
        new("backup-host", "127.0.0.1", sshd.Port, "root", hostKey ?? sshd.HostKeySha256, sshd.ClientKeyPath, sshd.UploadRoot + "/crashes", limits ?? EgressRig.FastLimits());

    [Fact]
    public async Task Dump_is_shipped_over_sftp_and_verified_against_its_sha256()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer();
        sshd.Start();
        await using var rig = new EgressRig();
        var local = rig.LocalFiles();

        (await rig.Coordinator(Target(sshd)).RunPassAsync(CancellationToken.None)).Should().Be(1);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        status.Location.Should().Be($"sftp://root@127.0.0.1:{sshd.Port}{sshd.UploadRoot}/crashes/{rig.RemoteFolder}/");
        var remote = Path.Join(sshd.UploadRoot, "crashes", rig.RemoteFolder);
        Directory.GetFiles(remote).Select(Path.GetFileName).Should().BeEquivalentTo(["vmcore", "dmesg.txt", "kdumpd.json", "index.json"]);
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Join(remote, "vmcore")))).Should().Be(rig.Dump.Sha256);
        File.ReadAllText(Path.Join(remote, "index.json")).Should().Contain($"\"dumpId\": \"{rig.Dump.Id}\"").And.Contain("\"host\": \"web1\"");
        status.BytesSent.Should().Be(status.BytesTotal, "nothing is sent twice on a clean run");
        rig.LocalFiles().Should().BeEquivalentTo(local);
    }

    [Fact]
    public async Task Wrong_host_key_is_refused_clearly_and_nothing_is_sent()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer();
        sshd.Start();
        await using var rig = new EgressRig(1 << 20);
        var other = SshdServer.Fingerprint(sshd.ClientKeyPath + ".pub");

        await rig.Coordinator(Target(sshd, hostKey: other)).RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Failed);
        status.Reason.Should().Contain($"presented host key {sshd.HostKeySha256}").And.Contain($"pins {other}");
        status.Attempts.Should().Be(1);
        status.BytesSent.Should().Be(0);
        Directory.GetFileSystemEntries(sshd.UploadRoot).Should().BeEmpty();
        File.Exists(rig.VmcorePath).Should().BeTrue();
    }

    [Fact]
    public async Task Wrong_private_key_fails_as_authentication_without_retrying()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer();
        sshd.Start();
        await using var rig = new EgressRig(1 << 20);
        var stranger = Path.Join(rig.Root, "stranger");
        System.Diagnostics.Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger])!.WaitForExit();

        await rig.Coordinator(Target(sshd) with { PrivateKeyFile = stranger }).RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Failed);
        status.Reason.Should().Contain("refused the key").And.Contain(stranger);
        File.Exists(rig.VmcorePath).Should().BeTrue();
    }

    [Fact]
    public async Task Server_stopped_midway_then_restarted_resumes_sending_only_what_is_missing()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer();
        sshd.Start();
        await using var rig = new EgressRig(32 << 20);
        var limits = EgressRig.FastLimits(partSize: 2 << 20, attempts: 1) with { BytesPerSecond = 16 << 20 };
        var coordinator = rig.Coordinator(Target(sshd, limits));

        await rig.RunUntilHalfThenAsync(coordinator, "backup-host", sshd.Stop);
        var failed = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        failed.State.Should().Be(EgressState.Failed);
        failed.BytesDone.Should().BeGreaterThan(0);
        File.Exists(rig.VmcorePath).Should().BeTrue();

        sshd.Start();
        await coordinator.RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        status.BytesSent.Should().BeLessThanOrEqualTo(status.BytesTotal!.Value + limits.PartSizeBytes, "only the part in flight at the stop is sent again");
        var remote = Path.Join(sshd.UploadRoot, "crashes", rig.RemoteFolder, "vmcore");
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(remote))).Should().Be(rig.Dump.Sha256);
    }

    [Fact]
    public async Task Corrupted_partial_copy_is_detected_by_verification_and_sent_again()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer();
        sshd.Start();
        await using var rig = new EgressRig(8 << 20);
        var coordinator = rig.Coordinator(Target(sshd));
        // A first attempt left 4 MiB on the host and journaled them, but the host's bytes rotted.
        var vmcore = new EgressFile("vmcore", rig.VmcorePath, new FileInfo(rig.VmcorePath).Length, rig.Dump.Sha256!);
        rig.Store.Journal(rig.Dump.Id, "backup-host", vmcore).SetBytesDone(4 << 20);
        var partial = Path.Join(sshd.UploadRoot, "crashes", rig.RemoteFolder, "vmcore.part");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        var rotten = File.ReadAllBytes(rig.VmcorePath)[..(4 << 20)];
        rotten[123_456] ^= 0xff;
        File.WriteAllBytes(partial, rotten);

        await coordinator.RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        var remote = Path.Join(sshd.UploadRoot, "crashes", rig.RemoteFolder, "vmcore");
        File.ReadAllBytes(remote).Should().Equal(File.ReadAllBytes(rig.VmcorePath));
        File.Exists(partial).Should().BeFalse();
    }

    [Fact]
    public async Task Full_target_fails_with_a_clear_reason_and_nothing_local_is_deleted()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        Assert.SkipWhen(SmallTmpfs.SkipReason is not null, SmallTmpfs.SkipReason ?? "");
        using var sshd = new SshdServer();
        using var full = new SmallTmpfs(sshd.UploadRoot, mebibytes: 4);
        sshd.Start();
        await using var rig = new EgressRig(12 << 20);
        var local = rig.LocalFiles();

        await rig.Coordinator(Target(sshd)).RunPassAsync(CancellationToken.None);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Failed);
        status.Reason.Should().Contain("vmcore.part").And.Contain("is its filesystem full");
        status.Attempts.Should().Be(1, "a full target is not retried by itself");
        rig.LocalFiles().Should().BeEquivalentTo(local);
    }

    [Fact]
    public async Task Host_that_refuses_shell_commands_is_verified_by_reading_the_copy_back()
    {
        Assert.SkipWhen(SshdServer.SkipReason is not null, SshdServer.SkipReason ?? "");
        using var sshd = new SshdServer(sftpOnly: true);
        sshd.Start();
        await using var rig = new EgressRig(4 << 20);

        await rig.Coordinator(Target(sshd)).RunPassAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        var status = rig.Store.Get(rig.Dump.Id, "backup-host")!;
        status.State.Should().Be(EgressState.Verified, status.Reason);
        var remote = Path.Join(sshd.UploadRoot, "crashes", rig.RemoteFolder, "vmcore");
        File.ReadAllBytes(remote).Should().Equal(File.ReadAllBytes(rig.VmcorePath));
    }
}
