using Kdumpd.Core.Egress;

namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// Turns the Egress section into Core's targets: validates each one (every message names the key
/// and the fix) and reads S3 credentials from a root-only file or the environment.
/// </summary>
public static class EgressTargetFactory
{
    public static IReadOnlyList<string> Validate(EgressSettings egress)
    {
        ArgumentNullException.ThrowIfNull(egress);
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(egress.RetryFailedMinutes is >= 0 and <= 10_080, $"Egress:RetryFailedMinutes: {egress.RetryFailedMinutes} must be 0..10080");
        Require(egress.StagingDirectory is null or "" || Path.IsPathFullyQualified(egress.StagingDirectory), $"Egress:StagingDirectory: '{egress.StagingDirectory}' must be an absolute path");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < egress.Targets.Count; i++)
        {
            var t = egress.Targets[i];
            var at = $"Egress:Targets:{i}";
            Require(t.Name.Length > 0 && t.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), $"{at}:Name: '{t.Name}' must be letters, digits, '-' or '_'");
            Require(names.Add(t.Name), $"{at}:Name: '{t.Name}' is used by another target");
            Require(t.PartSizeMiB is >= 5 and <= 5120, $"{at}:PartSizeMiB: {t.PartSizeMiB} must be 5..5120 (S3's part limits)");
            Require(t.Concurrency is >= 1 and <= 64, $"{at}:Concurrency: {t.Concurrency} must be 1..64");
            Require(t.ConcurrentDumps is >= 1 and <= 16, $"{at}:ConcurrentDumps: {t.ConcurrentDumps} must be 1..16");
            Require(t.BytesPerSecond >= 0, $"{at}:BytesPerSecond: {t.BytesPerSecond} must not be negative");
            Require(t.RetryAttempts is >= 0 and <= 100, $"{at}:RetryAttempts: {t.RetryAttempts} must be 0..100");
            switch (t.Kind)
            {
                case "s3":
                    Require(!string.IsNullOrEmpty(t.Bucket), $"{at}:Bucket: required for an s3 target");
                    Require(t.Endpoint is null or "" || Uri.TryCreate(t.Endpoint, UriKind.Absolute, out var e) && e.Scheme is "http" or "https",
                        $"{at}:Endpoint: '{t.Endpoint}' is not an http(s) URL");
                    Require(t.CredentialsFile is null or "" || Path.IsPathFullyQualified(t.CredentialsFile), $"{at}:CredentialsFile: '{t.CredentialsFile}' must be an absolute path");
                    break;
                case "sftp":
                    Require(!string.IsNullOrEmpty(t.Host), $"{at}:Host: required for an sftp target");
                    Require(t.Port is > 0 and < 65536, $"{at}:Port: {t.Port} is not a TCP port");
                    Require(!string.IsNullOrEmpty(t.User), $"{at}:User: required for an sftp target");
                    Require(t.HostKey is { Length: > 0 } k && k.StartsWith("SHA256:", StringComparison.Ordinal),
                        $"{at}:HostKey: pin the host's key as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it (SHA256:...)");
                    Require(t.PrivateKeyFile is { Length: > 0 } f && Path.IsPathFullyQualified(f), $"{at}:PrivateKeyFile: an absolute path is required");
                    Require(t.Directory is { Length: > 0 } d && d.StartsWith('/'), $"{at}:Directory: an absolute directory on the host is required");
                    break;
                default:
                    errors.Add($"{at}:Kind: '{t.Kind}' is not one of s3, sftp");
                    break;
            }
        }

        return errors;
    }

    /// <summary>The validated targets as Core sees them; credentials are read here, once, at start.</summary>
    public static IReadOnlyList<EgressTarget> Create(EgressSettings egress, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(egress);
        environment ??= Environment.GetEnvironmentVariable;
        return [.. egress.Targets.Select(t =>
        {
            var limits = new EgressLimits(t.PartSizeMiB << 20, t.Concurrency, t.ConcurrentDumps, t.BytesPerSecond, t.RetryAttempts);
            return t.Kind == "s3"
                ? (EgressTarget)new S3Target(t.Name, t.Bucket!, t.Prefix, t.Endpoint is { Length: > 0 } e ? new Uri(e) : null, t.Region,
                    Credentials(t, environment), t.PathStyle, limits)
                : new SftpTarget(t.Name, t.Host!, t.Port, t.User!, t.HostKey!, t.PrivateKeyFile!, t.Directory!, limits);
        })];
    }

    private static S3Credentials Credentials(EgressTargetSettings t, Func<string, string?> environment)
    {
        if (t.CredentialsFile is { Length: > 0 } file)
        {
            return ReadCredentialsFile(t.Name, file);
        }

        var prefix = "KDUMPD_EGRESS_" + t.Name.ToUpperInvariant().Replace('-', '_') + "_";
        var id = environment(prefix + "ACCESS_KEY_ID") ?? environment("AWS_ACCESS_KEY_ID");
        var secret = environment(prefix + "SECRET_ACCESS_KEY") ?? environment("AWS_SECRET_ACCESS_KEY");
        return id is { Length: > 0 } && secret is { Length: > 0 }
            ? new S3Credentials(id, secret)
            : throw new ConfigurationException($"Egress target '{t.Name}': no credentials: set CredentialsFile, or {prefix}ACCESS_KEY_ID and {prefix}SECRET_ACCESS_KEY in the service's environment");
    }

    /// <summary>
    /// aws_access_key_id / aws_secret_access_key lines (the AWS shared-credentials names; other
    /// lines and [sections] are ignored). Refused unless only its owner can read it.
    /// </summary>
    public static S3Credentials ReadCredentialsFile(string target, string path)
    {
        UnixFileMode mode;
        string[] lines;
        try
        {
            mode = File.GetUnixFileMode(path);
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Egress target '{target}': cannot read credentials file {path}: {e.Message}");
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) != 0)
        {
            throw new ConfigurationException($"Egress target '{target}': credentials file {path} is readable by others (mode {Convert.ToString((int)mode, 8)}): chmod 600 {path}");
        }

        string? Value(string key) => lines.Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0].Trim() == key).Select(p => p[1].Trim()).FirstOrDefault();
        return Value("aws_access_key_id") is { Length: > 0 } id && Value("aws_secret_access_key") is { Length: > 0 } secret
            ? new S3Credentials(id, secret)
            : throw new ConfigurationException($"Egress target '{target}': {path} has no aws_access_key_id and aws_secret_access_key lines");
    }
}
