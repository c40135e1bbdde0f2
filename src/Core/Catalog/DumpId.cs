using System.Text;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// A dump's id: the first 16 hex digits of SHA-256 over its directory name relative to the dump
/// directory. Derived from the name, never from a counter, so a rebuilt database gives every dump
/// the same id; short and URL-safe for the REST API (distribution names hold ':'). Computed with the
/// managed <see cref="Sha256"/>: the capture initrd that writes it has no libssl.
/// </summary>
public static class DumpId
{
    public const int Length = 16;

    public static string For(string relativeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativeName);
        var hash = Sha256.HashData(Encoding.UTF8.GetBytes(relativeName.Replace('\\', '/')));
        return Convert.ToHexStringLower(hash)[..Length];
    }

    public static bool LooksValid(string id) =>
        id.Length == Length && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
