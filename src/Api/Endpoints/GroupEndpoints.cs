using Kdumpd.Api.Auth;
using Kdumpd.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kdumpd.Api.Endpoints;

/// <summary>Crash groups (<c>read</c>): dumps of one bug share a signature; /v1/dumps?signature= lists a group's dumps.</summary>
public static class GroupEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/groups", async (ICrashGroups groups, CancellationToken ct) => TypedResults.Ok(await groups.ListAsync(ct)))
            .RequireAuthorization(ApiRoles.Read).WithTags("dumps")
            .WithSummary("Crash groups: signature, title, count, first and last crash, kernel releases; most recently seen first.");
    }
}
