using System.Security.Cryptography;
using System.Text;

namespace Kdumpd.Core.Triage;

/// <summary>
/// The stable name of a group: the first 16 hex digits of SHA-256 over the title's UTF-8 bytes.
/// The kernel version is deliberately left out: the operator's question is "have we seen this
/// crash before", and the same bug on 6.1.0-25 and 6.1.0-26 (or 6.1 and 6.12) must land in one
/// group; the group lists the releases it was seen on instead.
/// </summary>
public static class CrashSignature
{
    public static string Of(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(title), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }
}
