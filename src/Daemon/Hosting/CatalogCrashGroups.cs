using Kdumpd.Api.Contracts;
using Kdumpd.Core.Catalog;

namespace Kdumpd.Daemon.Hosting;

/// <summary>Serves the catalogue's crash groups to the API.</summary>
public sealed class CatalogCrashGroups(DumpCatalog catalog) : ICrashGroups
{
    public Task<CrashGroupsDocument> ListAsync(CancellationToken cancellationToken)
    {
        var groups = catalog.Groups();
        return Task.FromResult(new CrashGroupsDocument(
            [.. groups.Select(g => new CrashGroupDocument(g.Signature, g.Title, g.Count, g.FirstSeen, g.LastSeen, g.KernelReleases))],
            groups.Count));
    }
}
