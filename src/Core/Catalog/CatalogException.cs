namespace Kdumpd.Core.Catalog;

/// <summary>The database file cannot be used as it is: names the file and the reason.</summary>
public sealed class CatalogException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string DatabasePath { get; } = path;
}
