using System.Security.Cryptography;

namespace Kdumpd.Core.Host;

/// <summary>Identity of a loaded file: size and mtime always, SHA-256 when it was computed.</summary>
public sealed record FileFingerprint(string Path, long Size, DateTimeOffset ModifiedUtc, string? Sha256)
{
    public static FileFingerprint Of(string path, bool withSha256)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path} does not exist", path);
        }

        string? sha = null;
        if (withSha256)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        return new FileFingerprint(path, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), sha);
    }

    /// <summary>Null when the file still matches, else what changed.</summary>
    public string? Compare(bool withSha256)
    {
        FileFingerprint now;
        try
        {
            now = Of(Path, withSha256 && Sha256 is not null);
        }
        catch (FileNotFoundException)
        {
            return $"{Path} is gone";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{Path} cannot be read: {e.Message}";
        }

        if (now.Size != Size)
        {
            return $"{Path} changed size ({Size} -> {now.Size} bytes)";
        }

        if (now.ModifiedUtc != ModifiedUtc)
        {
            return $"{Path} was modified ({ModifiedUtc:O} -> {now.ModifiedUtc:O})";
        }

        if (now.Sha256 is not null && !string.Equals(now.Sha256, Sha256, StringComparison.Ordinal))
        {
            return $"{Path} has different contents (SHA-256 {Sha256} -> {now.Sha256})";
        }

        return null;
    }
}
