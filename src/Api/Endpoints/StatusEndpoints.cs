using System.Security.Claims;
using Kdumpd.Api.Auth;
using Kdumpd.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kdumpd.Api.Endpoints;

/// <summary>Status, the active plan and its header bytes, and the generations: the <c>read</c> role.</summary>
public static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/status", async (IKdumpdService service, CancellationToken ct) =>
                TypedResults.Ok(await service.GetStatusAsync(ct)))
            .RequireAuthorization(ApiRoles.Read).WithTags("status")
            .WithSummary("Loaded or not and why, reservation, active generation, plan, last reload, watchers, dumps.");

        v1.MapGet("/plan", async Task<IResult> (IKdumpdService service, CancellationToken ct) =>
                await service.GetPlanJsonAsync(ct) is { } json
                    ? TypedResults.Text(json, "application/json")
                    : NoPlan())
            .RequireAuthorization(ApiRoles.Read).WithTags("plan").WithSummary("The active crash plan.");

        v1.MapGet("/plan/elfcorehdr", async Task<IResult> (IKdumpdService service, CancellationToken ct) =>
                await service.GetElfCoreHeaderAsync(ct) is { } bytes
                    ? TypedResults.File(bytes, "application/octet-stream", "elfcorehdr.bin")
                    : NoPlan())
            .RequireAuthorization(ApiRoles.Read).WithTags("plan").WithSummary("The planned ELF core header bytes.");

        v1.MapGet("/generations", async (IKdumpdService service, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await service.ListGenerationsAsync(Math.Clamp(limit ?? 50, 1, 1000), ct)))
            .RequireAuthorization(ApiRoles.Read).WithTags("generations").WithSummary("Load attempts, newest first.");

        v1.MapGet("/generations/{number:long}", async Task<IResult> (long number, IKdumpdService service, CancellationToken ct) =>
                await service.GetGenerationAsync(number, ct) is { } generation
                    ? TypedResults.Ok(generation)
                    : TypedResults.Problem(title: "no such generation", detail: $"generation {number} is not recorded", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(ApiRoles.Read).WithTags("generations").WithSummary("One load attempt.");

        v1.MapGet("/generations/{number:long}/plan", async Task<IResult> (long number, IKdumpdService service, CancellationToken ct) =>
                await service.GetGenerationPlanJsonAsync(number, ct) is { } json
                    ? TypedResults.Text(json, "application/json")
                    : TypedResults.Problem(title: "no plan for this generation", detail: $"generation {number} is not recorded or was recorded without a plan", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(ApiRoles.Read).WithTags("generations")
            .WithSummary("The plan recorded with a load attempt (what the dashboard compares the active plan against).");

        v1.MapGet("/whoami", (ClaimsPrincipal user) => TypedResults.Ok(new IdentityDocument(
                user.Identity?.Name ?? "?",
                [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)])))
            .RequireAuthorization(ApiRoles.Read).WithTags("status")
            .WithSummary("The presented token's name and roles.");
    }

    private static ProblemHttpResult NoPlan() => TypedResults.Problem(
        title: "no plan yet",
        detail: "the daemon has not planned a crash dump yet (see /v1/status for why)",
        statusCode: StatusCodes.Status404NotFound);
}
