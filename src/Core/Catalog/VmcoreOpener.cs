namespace Kdumpd.Core.Catalog;

/// <summary>Opens a catalogued vmcore for download.</summary>
internal sealed class VmcoreOpener(DumpQueries queries)
{
    /// <summary>
    /// Opens a dump's vmcore for download (read-only, shared), with its row; the path comes from
    /// the catalogue, never from the caller.
    /// </summary>
    public (DumpRecord Dump, FileStream Vmcore) Open(string id)
    {
        var record = queries.Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id}");
        if (record.VmcorePath is null || !File.Exists(record.VmcorePath))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"dump {id} has no vmcore file on disk");
        }

        var stream = new FileStream(record.VmcorePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return (record, stream);
    }
}
