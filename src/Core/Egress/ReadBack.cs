using System.Buffers;
using System.Security.Cryptography;

namespace Kdumpd.Core.Egress;

/// <summary>Hashes a target's copy as it streams back: the proof where the target keeps no SHA-256.</summary>
public static class ReadBack
{
    public const int BufferBytes = 1 << 20;

    public static async Task<(string Sha256, long Bytes)> HashAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long total = 0;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(0, BufferBytes), cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), total);
    }

    /// <summary>Throws <see cref="EgressFailure.VerificationMismatch"/> unless the copy matches.</summary>
    public static void Check(string target, string where, EgressFile file, (string Sha256, long Bytes) copy)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (copy.Bytes != file.Size || !string.Equals(copy.Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new EgressException(target, EgressFailure.VerificationMismatch,
                $"{where} holds {copy.Bytes} bytes with SHA-256 {copy.Sha256}, kdumpd's {file.Name} has {file.Size} bytes with SHA-256 {file.Sha256}: sending it again");
        }
    }
}
