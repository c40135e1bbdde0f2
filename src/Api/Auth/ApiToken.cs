using System.Security.Cryptography;
using System.Text;

namespace Kdumpd.Api.Auth;

/// <summary>A configured token: only its SHA-256 is stored, never the secret.</summary>
public sealed record ApiToken(string Name, ApiRole Role, string Sha256)
{
    public const string Prefix = "kdumpd_";

    /// <summary>A fresh random token (256 bits) and the configuration entry that accepts it.</summary>
    public static (string Secret, ApiToken Entry) Create(string name, ApiRole role)
    {
        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (secret, new ApiToken(name, role, Hash(secret)));
    }

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
