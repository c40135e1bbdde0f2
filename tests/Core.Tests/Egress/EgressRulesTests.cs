using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Kdumpd.Core.Egress;
using Microsoft.Extensions.Time.Testing;
using Renci.SshNet.Common;

namespace Kdumpd.Core.Tests.Egress;

public sealed class EgressRulesTests
{
    [Fact]
    public void Network_timeouts_and_server_errors_are_retried_but_refusals_are_not()
    {
        var none = CancellationToken.None;
        TransientErrors.IsTransient(new SocketException((int)SocketError.ConnectionRefused), none).Should().BeTrue();
        TransientErrors.IsTransient(new HttpRequestException("reset"), none).Should().BeTrue();
        TransientErrors.IsTransient(new SshConnectionException("dropped"), none).Should().BeTrue();
        TransientErrors.IsTransient(new SshException("Connection was closed by the server."), none).Should().BeTrue("SSH.NET's words when sshd goes away mid-transfer");
        TransientErrors.IsTransient(new SshException("Channel was closed."), none).Should().BeTrue();
        TransientErrors.IsTransient(new AmazonS3Exception("slow down") { StatusCode = HttpStatusCode.ServiceUnavailable }, none).Should().BeTrue();
        TransientErrors.IsTransient(new TaskCanceledException("HttpClient.Timeout"), none).Should().BeTrue();
        TransientErrors.IsTransient(new EgressException("t", EgressFailure.VerificationMismatch, "rotten"), none).Should().BeTrue();

        TransientErrors.IsTransient(new EgressException("t", EgressFailure.HostKeyMismatch, "foreign key"), none).Should().BeFalse();
        TransientErrors.IsTransient(new EgressException("t", EgressFailure.Authentication, "bad key"), none).Should().BeFalse();
        TransientErrors.IsTransient(new EgressException("t", EgressFailure.Refused, "full"), none).Should().BeFalse();
        TransientErrors.IsTransient(new SshAuthenticationException("denied"), none).Should().BeFalse();
        TransientErrors.IsTransient(new SshException("Key exchange negotiation failed."), none).Should().BeFalse("a plain SshException is a refusal unless it says the session died");
        TransientErrors.IsTransient(new AmazonS3Exception("denied") { StatusCode = HttpStatusCode.Forbidden }, none).Should().BeFalse();
        using var stopping = new CancellationTokenSource();
        stopping.Cancel();
        TransientErrors.IsTransient(new OperationCanceledException(stopping.Token), stopping.Token).Should().BeFalse("the daemon is stopping");
    }

    [Theory]
    [InlineData(507, "InsufficientStorage", EgressFailure.Refused)]      // Ceph RGW, SeaweedFS
    [InlineData(507, "XMinioStorageFull", EgressFailure.Refused)]        // MinIO
    [InlineData(403, "QuotaExceeded", EgressFailure.Refused)]            // RGW over quota
    [InlineData(400, "XMinioAdminBucketQuotaExceeded", EgressFailure.Refused)]
    [InlineData(403, "InvalidAccessKeyId", EgressFailure.Authentication)]
    [InlineData(403, "SignatureDoesNotMatch", EgressFailure.Authentication)]
    [InlineData(503, "SlowDown", EgressFailure.Transient)]
    [InlineData(500, "InternalError", EgressFailure.Transient)]
    [InlineData(404, "NoSuchBucket", EgressFailure.Refused)]
    public void S3_answers_that_no_local_server_sends_are_classified_by_code_and_status(int status, string code, EgressFailure expected)
    {
        // s3rver never answers "full" (500 InternalError or dying on ENOSPC, S3EgressTests): these are
        // the answers real servers give, built as the SDK builds them from an error document.
        var e = new AmazonS3Exception(code) { StatusCode = (HttpStatusCode)status, ErrorCode = code };

        S3Uploader.Classify(e).Should().Be(expected);
        TransientErrors.IsTransient(new EgressException("t", expected, code, e), CancellationToken.None).Should().Be(expected == EgressFailure.Transient);
    }

    [Fact]
    public void A_vanished_multipart_upload_means_start_a_new_one()
    {
        S3Uploader.Classify(new AmazonS3Exception("gone") { StatusCode = HttpStatusCode.NotFound, ErrorCode = "NoSuchUpload" }).Should().BeNull();
    }

    [Fact]
    public void Dump_folder_is_host_then_crash_time_then_id_and_safe_as_a_key()
    {
        var dump = new Kdumpd.Core.Catalog.DumpRecord("0123456789abcdef", "/var/crash/x", "kdumpd", true, null, null, null, null, null, null, null, null, null,
            new DateTimeOffset(2026, 11, 24, 10, 0, 5, TimeSpan.Zero), "../evil/host", null, null, null, [], true, null, null, null, null, null, null,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        DumpManifest.FolderOf(dump, "fallback").Should().Be("_evil_host/20261124T100005Z-0123456789abcdef");
        DumpManifest.FolderOf(dump with { Hostname = null }, "web1").Should().Be("web1/20261124T100005Z-0123456789abcdef");
    }

    [Fact]
    public async Task Bandwidth_cap_makes_a_sender_wait_for_its_credit()
    {
        var time = new FakeTimeProvider();
        var limiter = new BandwidthLimiter(1000, time);
        await limiter.WaitAsync(1000, CancellationToken.None); // the first second's credit
        var next = limiter.WaitAsync(500, CancellationToken.None).AsTask();
        next.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromMilliseconds(499));
        next.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromMilliseconds(2));
        await next.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }
}
