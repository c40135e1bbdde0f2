namespace Kdumpd.Api.Contracts;

/// <summary>The catalogue's crash groups, as the API serves them.</summary>
public interface ICrashGroups
{
    Task<CrashGroupsDocument> ListAsync(CancellationToken cancellationToken);
}
