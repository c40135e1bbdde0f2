using System.Security.Claims;
using Kdumpd.Api.Auth;
using Kdumpd.Api.Contracts;
using Kdumpd.Api.Downloads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kdumpd.Api.Endpoints;

/// <summary>The dump catalogue: listing (<c>read</c>), files (<c>download</c>), deletion (<c>operate</c>).</summary>
public static class DumpEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/dumps", async Task<IResult> (IKdumpdService service, string? since, string? kernel, bool? complete, string? signature, int? offset, int? limit, CancellationToken ct) =>
            {
                DateTimeOffset? sinceTime = null;
                if (since is not null)
                {
                    if (!DateTimeOffset.TryParse(since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
                    {
                        return TypedResults.Problem(title: "bad 'since'", detail: $"'{since}' is not an ISO 8601 time", statusCode: StatusCodes.Status400BadRequest);
                    }

                    sinceTime = parsed;
                }

                var query = new DumpQuery(sinceTime, kernel, complete, Math.Max(offset ?? 0, 0), Math.Clamp(limit ?? 100, 1, 1000), signature);
                return TypedResults.Ok(await service.ListDumpsAsync(query, ct));
            })
            .RequireAuthorization(ApiRoles.Read).WithTags("dumps")
            .WithSummary("Catalogued dumps, newest first. Filters: since (ISO 8601), kernel (release), complete, signature (crash group); paging: offset, limit.");

        v1.MapGet("/dumps/{id}", async Task<IResult> (string id, IKdumpdService service, CancellationToken ct) =>
                !Core.Catalog.DumpId.LooksValid(id) ? BadId(id)
                : await service.GetDumpAsync(id, ct) is { } dump ? TypedResults.Ok(dump)
                : NotFound(id))
            .RequireAuthorization(ApiRoles.Read).WithTags("dumps").WithSummary("One dump's catalogue entry.");

        v1.MapMethods("/dumps/{id}/vmcore", [HttpMethods.Get, HttpMethods.Head], (string id, HttpContext context, IKdumpdService service, CancellationToken ct) =>
                ServeAsync(id, DumpFileKind.Vmcore, context, service, ct))
            .RequireAuthorization(ApiRoles.Download).WithTags("dumps")
            .WithSummary("The vmcore file: range requests, ETag/If-None-Match, Repr-Digest once the SHA-256 is known.");

        v1.MapMethods("/dumps/{id}/dmesg", [HttpMethods.Get, HttpMethods.Head], (string id, HttpContext context, IKdumpdService service, CancellationToken ct) =>
                ServeAsync(id, DumpFileKind.Dmesg, context, service, ct))
            .RequireAuthorization(ApiRoles.Download).WithTags("dumps").WithSummary("The crashed kernel's log.");

        v1.MapPost("/dumps/{id}/upload", async Task<IResult> (string id, ClaimsPrincipal user, IKdumpdService service, CancellationToken ct) =>
                !Core.Catalog.DumpId.LooksValid(id) ? BadId(id)
                : await service.UploadDumpAsync(id, ControlEndpoints.Who(user), ct) is { } states ? TypedResults.Accepted($"/v1/dumps/{id}", states)
                : NotFound(id))
            .RequireAuthorization(ApiRoles.Operate).WithTags("dumps")
            .WithSummary("Ship the dump to every egress target now: failed (or already verified) uploads start again, resuming what the target holds.");

        v1.MapDelete("/dumps/{id}", async Task<IResult> (string id, ClaimsPrincipal user, IKdumpdService service, CancellationToken ct) =>
            {
                if (!Core.Catalog.DumpId.LooksValid(id))
                {
                    return BadId(id);
                }

                var result = await service.DeleteDumpAsync(id, ControlEndpoints.Who(user), ct);
                return !result.Found ? NotFound(id)
                    : result.Deleted ? TypedResults.Ok(new ActionResultDocument("deleted", null, result.Message))
                    : TypedResults.Problem(title: "not deleted", detail: result.Message, statusCode: StatusCodes.Status409Conflict);
            })
            .RequireAuthorization(ApiRoles.Operate).WithTags("dumps")
            .WithSummary("Delete a dump kdumpd wrote; dumps written by other tools are never touched.");
    }

    private static async Task<IResult> ServeAsync(string id, DumpFileKind kind, HttpContext context, IKdumpdService service, CancellationToken ct)
    {
        if (!Core.Catalog.DumpId.LooksValid(id))
        {
            return BadId(id);
        }

        var file = await service.GetDumpFileAsync(id, kind, ct);
        if (file is null)
        {
            return await service.GetDumpAsync(id, ct) is null
                ? NotFound(id)
                : TypedResults.Problem(title: "no such file", detail: $"dump '{id}' has no {kind.ToString().ToLowerInvariant()} file", statusCode: StatusCodes.Status404NotFound);
        }

        return FileDownload.Serve(context, file);
    }

    private static ProblemHttpResult BadId(string id) => TypedResults.Problem(
        title: "invalid dump id",
        detail: $"'{id}' is not a dump id (16 lowercase hex digits)",
        statusCode: StatusCodes.Status400BadRequest);

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        title: "no such dump", detail: $"dump '{id}' is not in the catalogue", statusCode: StatusCodes.Status404NotFound);
}
