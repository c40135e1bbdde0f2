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
        TransientErrors.IsTransient(new AmazonS3Exception("slow down") { StatusCode = HttpStatusCode.ServiceUnavailable }, none).Should().BeTrue();
        TransientErrors.IsTransient(new TaskCanceledException("HttpClient.Timeout"), none).Should().BeTrue();
        TransientErrors.IsTransient(new EgressException("t", EgressFailure.VerificationMismatch, "rotten"), none).Should().BeTrue();

        TransientErrors.IsTransient(new EgressException("t", EgressFailure.HostKeyMismatch, "foreign key"), none).Should().BeFalse();
        TransientErrors.IsTransient(new EgressException("t", EgressFailure.Authentication, "bad key"), none).Should().BeFalse();
        TransientErrors.IsTransient(new EgressException("t", EgressFailure.Refused, "full"), none).Should().BeFalse();
        TransientErrors.IsTransient(new SshAuthenticationException("denied"), none).Should().BeFalse();
        TransientErrors.IsTransient(new AmazonS3Exception("denied") { StatusCode = HttpStatusCode.Forbidden }, none).Should().BeFalse();
        using var stopping = new CancellationTokenSource();
        stopping.Cancel();
        TransientErrors.IsTransient(new OperationCanceledException(stopping.Token), stopping.Token).Should().BeFalse("the daemon is stopping");
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
