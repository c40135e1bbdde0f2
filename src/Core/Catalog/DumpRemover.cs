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

        if (Directory.Exists(record.Directory) && !File.Exists(Path.Join(record.Directory, DumpLocator.KdumpdMetadata)))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned, $"{record.Directory} no longer holds kdumpd.json: not deleted (rescan, then decide by hand)");
        }

        if (!DumpLocator.IsInside(dumpDirectory, record.Directory))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned, $"dump {id} in {record.Directory} is outside the dump directory {dumpDirectory}: not deleted");
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
}
