using Kdumpd.Api.Auth;
using Kdumpd.Api.Endpoints;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Kdumpd.Api;

/// <summary>Registers and maps the REST API. The host supplies an IKdumpdService and a KdumpdMetrics.</summary>
public static class KdumpdApi
{
    public static IServiceCollection AddKdumpdApi(this IServiceCollection services, IReadOnlyList<ApiToken> tokens)
    {
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        services.AddProblemDetails();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "kdumpd";
            document.Info.Description = "Crash-dump readiness, plans, reloads and dumps of one Linux host.";
            return Task.CompletedTask;
        }));
        // Not AddAuthentication: it adds DataProtection too, whose key ring is made at every start (a key file
        // in root's home, or three warnings under systemd) though this API has no cookie or antiforgery token.
        services.AddAuthenticationCore(o => o.DefaultScheme = TokenAuthenticationHandler.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<TokenAuthenticationOptions, TokenAuthenticationHandler>(
                TokenAuthenticationHandler.SchemeName, o => o.Tokens = tokens);
        services.AddAuthorizationBuilder()
            // Anything not explicitly opened needs a valid token.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(ApiRoles.Read, p => p.RequireRole(ApiRoles.Read))
            .AddPolicy(ApiRoles.Download, p => p.RequireRole(ApiRoles.Download))
            .AddPolicy(ApiRoles.Operate, p => p.RequireRole(ApiRoles.Operate));
        return services;
    }

    /// <param name="app">The built application.</param>
    /// <param name="publicDocs">Serve the OpenAPI document and reference page without a token; by
    /// default they need <c>read</c> like everything except the three health endpoints.</param>
    public static WebApplication MapKdumpdApi(this WebApplication app, bool publicDocs = false)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        HealthEndpoints.Map(app);
        var v1 = app.MapGroup("/v1");
        StatusEndpoints.Map(v1);
        ControlEndpoints.Map(v1);
        DumpEndpoints.Map(v1);
        GroupEndpoints.Map(v1);

        var openApi = app.MapOpenApi("/openapi/{documentName}.json");
        var docs = app.MapScalarApiReference("/docs", o => o.WithTitle("kdumpd API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        if (publicDocs)
        {
            openApi.AllowAnonymous();
            docs.AllowAnonymous();
        }
        else
        {
            openApi.RequireAuthorization(ApiRoles.Read);
            docs.RequireAuthorization(ApiRoles.Read);
        }

        return app;
    }
}
