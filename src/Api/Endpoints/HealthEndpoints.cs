using Kdumpd.Api.Contracts;
using Kdumpd.Api.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kdumpd.Api.Endpoints;

/// <summary>The three open endpoints: liveness, readiness (every check named) and Prometheus metrics.</summary>
public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthDocument("alive")))
            .AllowAnonymous().WithTags("health").WithSummary("The process is alive.");

        app.MapGet("/readyz", async Task<IResult> (IKdumpdService service, CancellationToken ct) =>
            {
                var readiness = await service.GetReadinessAsync(ct);
                return readiness.Ready
                    ? TypedResults.Ok(readiness)
                    : TypedResults.Json(readiness, ApiJsonContext.Default.ReadinessDocument, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous().WithTags("health")
            .WithSummary("Armed with the right thing, database usable, room for the next dump; 503 names the failing checks.");

        app.MapGet("/metrics", async (HttpContext context, KdumpdMetrics metrics, CancellationToken ct) =>
            {
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.WriteAsync(context.Response.Body, ct);
            })
            .AllowAnonymous().WithTags("health").WithSummary("Prometheus text exposition.");
    }
}
