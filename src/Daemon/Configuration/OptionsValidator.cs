using System.Text.RegularExpressions;
using Kdumpd.Api.Auth;

namespace Kdumpd.Daemon.Configuration;

/// <summary>Checks the bound configuration once at start; every message names the key and the fix.</summary>
public static partial class OptionsValidator
{
    public static IReadOnlyList<string> Validate(KdumpdOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(Path.IsPathFullyQualified(o.HostRoot), $"HostRoot: '{o.HostRoot}' must be an absolute path");
        Require(Path.IsPathFullyQualified(o.DumpDir), $"DumpDir: '{o.DumpDir}' must be an absolute path");
        Require(Path.IsPathFullyQualified(o.Database), $"Database: '{o.Database}' must be an absolute path");
        Require(o.Loader.Mode is "auto" or "kexec-file" or "kexec-tools" or "dry-run",
            $"Loader:Mode: '{o.Loader.Mode}' is not one of auto, kexec-file, kexec-tools, dry-run");
        Require(o.Loader.Layout is null or "" or "kexec-file" or "kexec-tools",
            $"Loader:Layout: '{o.Loader.Layout}' is not one of kexec-file, kexec-tools");
        Require(o.Reload.QuietWindowMs is >= 0 and <= 60_000, $"Reload:QuietWindowMs: {o.Reload.QuietWindowMs} must be 0..60000");
        Require(o.Reload.MaxDelayMs >= o.Reload.QuietWindowMs && o.Reload.MaxDelayMs <= 600_000,
            $"Reload:MaxDelayMs: {o.Reload.MaxDelayMs} must be at least Reload:QuietWindowMs ({o.Reload.QuietWindowMs}) and at most 600000");
        Require(o.Reload.OperatorIntervalSeconds is >= 0 and <= 86_400, $"Reload:OperatorIntervalSeconds: {o.Reload.OperatorIntervalSeconds} must be 0..86400");
        Require(o.Reload.ReconcileSeconds is >= 10 and <= 86_400, $"Reload:ReconcileSeconds: {o.Reload.ReconcileSeconds} must be 10..86400");
        Require(o.Capture.Collector is "auto" or "makedumpfile" or "builtin",
            $"Capture:Collector: '{o.Capture.Collector}' is not one of auto, makedumpfile, builtin");
        Require(o.Capture.FinalAction is "reboot" or "poweroff" or "stay",
            $"Capture:FinalAction: '{o.Capture.FinalAction}' is not one of reboot, poweroff, stay");
        Require(o.Retention.KeepDumps >= 0, $"Retention:KeepDumps: {o.Retention.KeepDumps} must not be negative");
        Require(o.Retention.MaxBytes >= 0, $"Retention:MaxBytes: {o.Retention.MaxBytes} must not be negative");
        Require(o.Retention.MinFreeBytes >= 0, $"Retention:MinFreeBytes: {o.Retention.MinFreeBytes} must not be negative");
        Require(o.Logging.Level is "Verbose" or "Debug" or "Information" or "Warning" or "Error" or "Fatal",
            $"Logging:Level: '{o.Logging.Level}' is not a Serilog level (Verbose, Debug, Information, Warning, Error, Fatal)");

        errors.AddRange(EgressTargetFactory.Validate(o.Egress));

        for (var i = 0; i < o.Api.Tokens.Count; i++)
        {
            var t = o.Api.Tokens[i];
            Require(!string.IsNullOrWhiteSpace(t.Name), $"Api:Tokens:{i}:Name: must not be empty");
            Require(ApiRoles.TryParse(t.Role, out _), $"Api:Tokens:{i}:Role: '{t.Role}' is not one of read, download, operate");
            Require(Sha256Hex().IsMatch(t.Sha256), $"Api:Tokens:{i}:Sha256: must be 64 hex digits (create tokens with 'kdumpd token new')");
        }

        foreach (var url in o.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"Urls: '{url}' is not an http:// or https:// URL");
                continue;
            }

            Require(ListenAddress.BindsLoopbackOnly(url) || uri.Scheme == "https",
                $"Urls: '{url}' listens beyond loopback over plain HTTP (Kestrel binds '{uri.Host}' on every interface; only localhost and loopback IP literals stay local); vmcores hold all of a kernel's memory: use https:// with Api:CertificatePath");
            Require(uri.Scheme != "https" || !string.IsNullOrEmpty(o.Api.CertificatePath),
                $"Urls: '{url}' is HTTPS but Api:CertificatePath is not set");
        }

        return errors;
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}
