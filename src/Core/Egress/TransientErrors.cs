using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Renci.SshNet.Common;

namespace Kdumpd.Core.Egress;

/// <summary>
/// The one rule for what is worth retrying: the network, timeouts, 5xx/408/429 answers and a
/// verification mismatch (the copy is sent again). Authentication, a foreign host key, a full or
/// forbidden target are not: retrying them only hides the fault.
/// </summary>
public static class TransientErrors
{
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            EgressException e => e.Failure is EgressFailure.Transient or EgressFailure.VerificationMismatch,
            OperationCanceledException => !cancellationToken.IsCancellationRequested, // an HTTP timeout, not our stop
            AmazonServiceException s when s.StatusCode != 0 => IsTransientStatus(s.StatusCode) || s.InnerException is { } i && IsTransient(i, cancellationToken),
            SshAuthenticationException => false,
            SftpPermissionDeniedException or SftpPathNotFoundException => false,
            SshConnectionException or SshOperationTimeoutException or ProxyException => true,
            SshException s when IsSessionLost(s) => true,
            HttpRequestException or SocketException or TimeoutException or ObjectDisposedException => true,
            IOException => true,
            _ => exception.InnerException is { } inner && IsTransient(inner, cancellationToken),
        };
    }

    /// <summary>
    /// SSH.NET reports a session or channel that died under a transfer (sshd restarted, the link cut)
    /// as a plain SshException, told apart from a refusal only by its message.
    /// </summary>
    private static readonly string[] _sessionLost = ["Connection was closed by the server.", "Channel was closed.", "The channel is closed."];

    private static bool IsSessionLost(SshException e) => e.GetType() == typeof(SshException) && _sessionLost.Contains(e.Message, StringComparer.Ordinal);

    public static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}
