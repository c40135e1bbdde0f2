using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kdumpd.Api.Auth;

/// <summary>
/// Bearer tokens checked against configured SHA-256 hashes in constant time. A failure is logged
/// with the client address and path, never with the token itself. The set is read per request, so a
/// configuration reload adds and revokes tokens without a restart.
/// </summary>
public sealed class TokenAuthenticationHandler(
    ApiTokenSet tokens,
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "KdumpdToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            Logger.LogWarning("Authentication failed: unsupported scheme from {RemoteAddress} for {Method} {Path}",
                Context.Connection.RemoteIpAddress, Request.Method, Request.Path.Value);
            return Task.FromResult(AuthenticateResult.Fail("only bearer tokens are accepted"));
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        ApiToken? match = null;
        foreach (var token in tokens.Current)
        {
            // Compare against every entry so the time taken says nothing about which one matched.
            if (CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(token.Sha256)))
            {
                match = token;
            }
        }

        if (match is null)
        {
            Logger.LogWarning("Authentication failed: unknown token from {RemoteAddress} for {Method} {Path}",
                Context.Connection.RemoteIpAddress, Request.Method, Request.Path.Value);
            return Task.FromResult(AuthenticateResult.Fail("unknown token"));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(ApiRoles.Granted(match.Role).Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"kdumpd\"";
        return base.HandleChallengeAsync(properties);
    }
}
