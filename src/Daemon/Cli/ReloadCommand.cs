using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// <c>kdumpd reload</c>: asks the running daemon for a reload pass (POST /v1/reload) and prints its
/// outcome. An <c>operate</c> token comes from --token or KDUMPD_TOKEN. Without a token, on the host
/// itself, <c>systemctl reload kdumpd</c> (SIGHUP) does the same.
/// </summary>
public static class ReloadCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "the daemon's API", DefaultValueFactory = _ => KdumpdOptions.DefaultUrls };
        var token = new Option<string?>("--token") { Description = "an operate token (default: $KDUMPD_TOKEN)" };
        var force = new Option<bool>("--force") { Description = "spend even the last load kernel.kexec_load_limit_panic allows (after it the kernel refuses every load until reboot)" };
        var command = new Command("reload", "Ask the running daemon to re-plan and reload the panic kernel now") { url, token, force };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var secret = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("KDUMPD_TOKEN");
            if (string.IsNullOrEmpty(secret))
            {
                await error.WriteLineAsync("kdumpd reload: no token: pass --token or set KDUMPD_TOKEN (or run 'systemctl reload kdumpd' as root)");
                return ExitCodes.Usage;
            }

            using var client = new HttpClient { BaseAddress = new Uri(parse.GetValue(url)!), Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            try
            {
                using var response = await client.PostAsync(parse.GetValue(force) ? "/v1/reload?force=true" : "/v1/reload", null, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode && (int)response.StatusCode is 401 or 403)
                {
                    await error.WriteLineAsync($"kdumpd reload: the daemon refused the token ({(int)response.StatusCode}): it needs the operate role");
                    return ExitCodes.Error;
                }

                using var doc = JsonDocument.Parse(body);
                var outcome = doc.RootElement.TryGetProperty("outcome", out var o) ? o.GetString() : null;
                var generation = doc.RootElement.TryGetProperty("generation", out var g) && g.ValueKind == JsonValueKind.Number ? g.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
                var message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : body;
                await output.WriteLineAsync($"{outcome ?? "error"}: generation {generation}: {message}");
                return outcome is "reloaded" or "unchanged" or "recorded" ? ExitCodes.Ok : outcome == "refused" ? ExitCodes.NotOperational : ExitCodes.Error;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                await error.WriteLineAsync($"kdumpd reload: cannot reach the daemon at {parse.GetValue(url)}: {e.Message}");
                return ExitCodes.Error;
            }
        });
        return command;
    }
}
