using System.Security.Cryptography;
using Kdumpd.Core.Dumps;
using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// Stores the SHA-256 of each vmcore that has none, streamed with one bounded buffer from a file
/// opened beneath the dump directory as a regular file (<see cref="ConfinedFile"/>): a FIFO, a
/// device or a link out of the dump directory is never read.
/// </summary>
internal sealed class DumpHasher(KdumpdDatabase database, string dumpDirectory, ILogger log, TimeProvider time)
{
    /// <summary>Hash read buffer: bounded, large enough to stream at disk speed.</summary>
    public const int BufferBytes = 1 << 20;

    /// <summary>
    /// Computes SHA-256 of every vmcore whose row has none, streaming with a bounded buffer. A file
    /// that changed while being hashed is left for the next run. Returns the number stored.
    /// </summary>
    public int HashPending(CancellationToken cancellationToken = default)
    {
        List<(string Id, string Path, long Size, string Mtime)> pending = [];
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, vmcore_path, file_size, file_mtime FROM dumps WHERE sha256 IS NULL AND vmcore_path IS NOT NULL AND file_size IS NOT NULL AND file_mtime IS NOT NULL ORDER BY first_seen, id;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                pending.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }

        var stored = 0;
        var buffer = new byte[BufferBytes];
        foreach (var (id, path, size, mtime) in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var file = ConfinedFile.Open(dumpDirectory, path);
                if (!Same(file.Status, size, mtime))
                {
                    continue;
                }

                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long offset = 0;
                int n;
                while (offset < size && (n = RandomAccess.Read(file.Handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - offset)), offset)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    sha.AppendData(buffer, 0, n);
                    offset += n;
                }

                if (offset != size || !Same(FileStatus.Of(file.Handle), size, mtime))
                {
                    continue; // changed while being hashed: the next scan and run see the new file
                }

                var hex = Convert.ToHexStringLower(sha.GetHashAndReset());
                using var connection = database.Open();
                var rows = DumpRows.Execute(connection, "UPDATE dumps SET sha256 = $sha, sha256_at = $at WHERE id = $id AND file_size = $size AND file_mtime = $mtime AND sha256 IS NULL;",
                    ("$sha", hex), ("$at", DumpAnalyzer.Iso(time.GetUtcNow())), ("$id", id), ("$size", size), ("$mtime", mtime));
                if (rows == 1)
                {
                    stored++;
                    log.Information("Dump {DumpId}: SHA-256 of {Path} ({Bytes} bytes) is {Sha256}", id, path, size, hex);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Warning("Dump {DumpId}: cannot hash {Path}: {Error}", id, path, e.Message);
            }
        }

        return stored;
    }

    private static bool Same(FileStatus status, long size, string mtime) =>
        status.Size == size && DumpAnalyzer.Iso(status.Mtime) == mtime;
}
