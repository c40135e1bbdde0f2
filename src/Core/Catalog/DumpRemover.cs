using Kdumpd.Core.Dumps;
using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>Deletes a dump kdumpd owns (its directory, then its row); never a foreign one.</summary>
internal sealed class DumpRemover(KdumpdDatabase database, DumpQueries queries, string dumpDirectory, ILogger log)
{
    /// <summary>
    /// Deletes a dump kdumpd owns: its directory, then its row. A foreign dump is refused with
    /// <see cref="DumpCatalogError.NotOwned"/>: kdumpd never removes what it did not write.
    /// </summary>
    public DumpRecord Delete(string id, string reason = "requested")
    {
        var record = queries.Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id} in the catalogue of {dumpDirectory}");
        if (!record.Owned || record.Layout != DumpLayout.Kdumpd.ToCatalogName())
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned,
                $"dump {id} in {record.Directory} was written by {record.Layout}, not kdumpd: kdumpd does not delete it; remove it by hand if you are sure");
        }

        if (!DumpLocator.IsInside(dumpDirectory, record.Directory))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned, $"dump {id} in {record.Directory} is outside the dump directory {dumpDirectory}: not deleted");
        }

        // The row says "owned"; the disk must still say so, now: the folder may have been swapped since the scan.
        if (Directory.Exists(record.Directory) && !StillOwned(record, out var why))
        {
            log.Warning("Not deleting dump {DumpId} in {Directory}: kdumpd's ownership marker does not hold ({Why})", id, record.Directory, why);
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned, $"{record.Directory}: kdumpd's ownership marker does not hold ({why}): not deleted (rescan, then decide by hand)");
        }

        try
        {
            if (Directory.Exists(record.Directory))
            {
                Directory.Delete(record.Directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DumpCatalogException(id, DumpCatalogError.DeleteFailed, $"cannot remove {record.Directory}: {e.Message}", e);
        }

        using var connection = database.Open();
        DumpRows.Execute(connection, "DELETE FROM dumps WHERE id = $id;", ("$id", id));
        log.Information("Deleted dump {DumpId} in {Directory} ({Bytes} bytes, crashed {CrashTime}): {Reason}", id, record.Directory, record.TotalBytes, record.CrashTime, reason);
        return record;
    }

    private bool StillOwned(DumpRecord record, out string why)
    {
        try
        {
            using var metadata = ConfinedFile.Open(dumpDirectory, Path.Join(record.Directory, DumpLocator.KdumpdMetadata));
            var bytes = new byte[Math.Min(metadata.Length, 1 << 20)];
            var n = RandomAccess.Read(metadata.Handle, bytes, 0);
            var meta = CaptureMetadata.TryParse(bytes.AsSpan(0, n));
            return DumpOwnership.Verify(record.Directory, metadata, meta, record.VmcorePath, out why);
        }
        catch (IOException e)
        {
            why = $"kdumpd.json: {e.Message}";
            return false;
        }
    }
}
