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

public static class CrashGroupsRegistration
{
    /// <summary>Registers <see cref="ICrashGroups"/> over the registered <see cref="DumpCatalog"/>.</summary>
    public static IServiceCollection AddCrashGroups(this IServiceCollection services) =>
        services.AddSingleton<ICrashGroups>(sp => new CatalogCrashGroups(sp.GetRequiredService<DumpCatalog>()));
}
