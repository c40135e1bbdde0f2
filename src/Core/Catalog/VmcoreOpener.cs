using Kdumpd.Core.Dumps;

namespace Kdumpd.Core.Catalog;

/// <summary>Opens a catalogued vmcore for download, beneath the dump directory and only as a regular file.</summary>
internal sealed class VmcoreOpener(DumpQueries queries, string dumpDirectory)
{
    /// <summary>
    /// Opens a dump's vmcore for download (read-only, shared), with its row; the path comes from
    /// the catalogue, never from the caller.
    /// </summary>
    public (DumpRecord Dump, FileStream Vmcore) Open(string id)
    {
        var record = queries.Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id}");
        if (record.VmcorePath is null)
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"dump {id} has no vmcore file on disk");
        }

        try
        {
            var file = ConfinedFile.Open(dumpDirectory, record.VmcorePath);
            return (record, file.OpenStream(1 << 16));
        }
        catch (ConfinedFileException e)
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"dump {id}: {e.Message}");
        }
    }
}
