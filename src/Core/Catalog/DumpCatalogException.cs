namespace Kdumpd.Core.Catalog;

public enum DumpCatalogError
{
    /// <summary>No dump with that id (REST: 404).</summary>
    NotFound,

    /// <summary>The dump was not written by kdumpd: it is never deleted or moved (REST: 409).</summary>
    NotOwned,

    /// <summary>The directory could not be removed (REST: 500).</summary>
    DeleteFailed,
}

/// <summary>A catalogue operation refused or failed: carries the dump id and why.</summary>
public sealed class DumpCatalogException(string id, DumpCatalogError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string DumpId { get; } = id;

    public DumpCatalogError Error { get; } = error;
}
