using System.Net;

namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// What Kestrel will really bind for a URL, so the "HTTPS beyond loopback" rule is decided on the
/// socket, not on the name typed. Kestrel binds an IP literal as given, <c>localhost</c> to 127.0.0.1
/// and ::1, and every other host name (<c>loopback</c>, <c>*</c>, <c>+</c>, a DNS name) to all
/// interfaces: <see cref="Uri.IsLoopback"/> calls <c>loopback</c> a loopback host, Kestrel does not.
/// </summary>
public static class ListenAddress
{
    /// <summary>True when Kestrel serves <paramref name="url"/> (scheme://host:port) on loopback addresses only.</summary>
    public static bool BindsLoopbackOnly(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = HostOf(url);
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>True when an address Kestrel reports as bound (<c>http://[::]:5480</c>) is a loopback socket.</summary>
    public static bool IsLoopbackBinding(string bound) => BindsLoopbackOnly(bound);

    /// <summary>The host exactly as typed: <see cref="Uri.Host"/> rewrites some names (loopback) into others.</summary>
    private static string HostOf(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var authority = scheme < 0 ? url : url[(scheme + 3)..];
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            authority = authority[..slash];
        }

        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? authority : authority[1..close];
        }

        var colon = authority.LastIndexOf(':');
        return colon < 0 ? authority : authority[..colon];
    }
}
