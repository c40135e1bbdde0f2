using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Egress;

/// <summary>
/// The MD5 and SHA-256 of one part [offset, offset+length) of a local file: what the part's
/// Content-MD5 / x-amz-checksum-sha256 headers carry, what its ETag must be, and the SigV4 payload
/// hash (given to the S3 client so it does not read the part a second time to sign it).
/// </summary>
public sealed record PartDigest(int Number, long Offset, long Length, byte[] Md5, byte[] Sha256)
{
    private const int ChunkBytes = 1 << 20;

    public string Md5Hex => Convert.ToHexStringLower(Md5);

    public string Sha256Hex => Convert.ToHexStringLower(Sha256);

    public static async Task<PartDigest> OfAsync(SafeFileHandle file, int number, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (long done = 0; done < length;)
            {
                var n = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(ChunkBytes, length - done)), offset + done, cancellationToken);
                if (n == 0)
                {
                    throw new IOException($"the file ended at {offset + done}, inside part {number} ({offset}+{length}): it shrank");
                }

                md5.AppendData(buffer, 0, n);
                sha.AppendData(buffer, 0, n);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new PartDigest(number, offset, length, md5.GetHashAndReset(), sha.GetHashAndReset());
    }
}
