using System.Security.Claims;
using Kdumpd.Api.Auth;
using Kdumpd.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kdumpd.Api.Endpoints;

/// <summary>Reload and unload: the <c>operate</c> role. Both answer with the outcome and the generation.</summary>
public static class ControlEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/reload", async (ClaimsPrincipal user, IKdumpdService service, bool? force, CancellationToken ct) =>
                Answer(await service.ReloadAsync(Who(user), force == true, ct)))
            .RequireAuthorization(ApiRoles.Operate).WithTags("control")
            .WithSummary("Force a pass through the reload coordinator; returns the generation in force after it. "
                + "Rate limited (429 with Retry-After); the last kexec_load_limit_panic unit is spent only with ?force=true.");

        v1.MapPost("/unload", async (ClaimsPrincipal user, IKdumpdService service, CancellationToken ct) =>
                Answer(await service.UnloadAsync(Who(user), ct)))
            .RequireAuthorization(ApiRoles.Operate).WithTags("control")
            .WithSummary("Unload the panic kernel: the host will not capture a dump until the next reload.");
    }

    internal static string Who(ClaimsPrincipal user) => $"api:{user.Identity?.Name ?? "?"}";

    private static IResult Answer(ActionResultDocument result) => result.Outcome switch
    {
        "throttled" => new ThrottledResult(result),
        "failed" => TypedResults.Json(result, ApiJsonContext.Default.ActionResultDocument, statusCode: StatusCodes.Status502BadGateway),
        "refused" => TypedResults.Json(result, ApiJsonContext.Default.ActionResultDocument, statusCode: StatusCodes.Status409Conflict),
        _ => TypedResults.Ok(result),
    };

    /// <summary>429 with Retry-After: one operator reload per interval.</summary>
    private sealed class ThrottledResult(ActionResultDocument result) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = (result.RetryAfterSeconds ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Json(result, ApiJsonContext.Default.ActionResultDocument, statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(httpContext);
        }
    }
}
