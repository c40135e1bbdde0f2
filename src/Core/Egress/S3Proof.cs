using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Kdumpd.Core.Egress;

/// <summary>
/// What an S3 server's own digests of an object must be, given the local digests of its parts:
/// its composite x-amz-checksum-sha256 (SHA-256 of the parts' SHA-256s, "-N") where the server
/// keeps checksums, else its ETag: MD5 of the parts' MD5s "-N" for a multipart object (AWS, MinIO,
/// Ceph RGW), or the plain MD5 of the whole object (single PUT; s3rver for every object).
/// An ETag of any other form (SSE-KMS, some gateways) proves nothing: the caller reads back.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "MD5 is S3's ETag scheme, an integrity check here, never a security one")]
public static partial class S3Proof
{
    /// <summary>True or false when the server's answer proves or disproves the copy; null when it cannot tell.</summary>
    public static bool? Holds(string? etag, string? checksumSha256, IReadOnlyList<PartDigest> parts, PartDigest whole)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(whole);
        if (!string.IsNullOrEmpty(checksumSha256))
        {
            var expected = parts.Count == 1 && parts[0].Length == whole.Length
                ? Convert.ToBase64String(whole.Sha256)
                : $"{Convert.ToBase64String(SHA256.HashData(parts.SelectMany(p => p.Sha256).ToArray()))}-{parts.Count}";
            // Servers differ on whether the composite carries its "-N" suffix.
            return checksumSha256 == expected || checksumSha256 == expected.Split('-')[0];
        }

        var tag = (etag ?? "").Trim('"').ToLowerInvariant();
        if (MultipartETag().Match(tag) is { Success: true } m)
        {
            return m.Groups[1].Value == Convert.ToHexStringLower(MD5.HashData(parts.SelectMany(p => p.Md5).ToArray())) && m.Groups[2].Value == parts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return PlainETag().IsMatch(tag) ? tag == Convert.ToHexStringLower(whole.Md5) : null;
    }

    /// <summary>Whether an UploadPart / PutObject answer disproves the part it acknowledged.</summary>
    public static bool Contradicts(string? etag, string? checksumSha256, PartDigest part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var tag = (etag ?? "").Trim('"').ToLowerInvariant();
        return (PlainETag().IsMatch(tag) && tag != part.Md5Hex)
            || (!string.IsNullOrEmpty(checksumSha256) && checksumSha256 != Convert.ToBase64String(part.Sha256));
    }

    [GeneratedRegex("^([0-9a-f]{32})-([0-9]+)$")]
    private static partial Regex MultipartETag();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex PlainETag();
}
