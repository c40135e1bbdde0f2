using Kdumpd.Core.Catalog;
using Kdumpd.Core.Initrd;

namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// The whole configuration, one record per area, bound once at start from /etc/kdumpd/kdumpd.json,
/// KDUMPD__* environment variables and the command line (later sources win), then validated.
/// </summary>
public sealed class KdumpdOptions
{
    public const string DefaultConfigPath = "/etc/kdumpd/kdumpd.json";

    public const string DefaultUrls = "http://127.0.0.1:5480";

    public string HostRoot { get; set; } = "/";

    public string DumpDir { get; set; } = DumpCatalog.DefaultDumpDirectory;

    public string Database { get; set; } = DumpCatalog.DefaultDatabasePath;

    /// <summary>Where the API listens; loopback unless an operator says otherwise (then HTTPS is required).</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>Keep the panic kernel loaded when the daemon stops (a crash must still be captured) unless this is set.</summary>
    public bool UnloadOnStop { get; set; }

    public LoaderSettings Loader { get; set; } = new();

    public ReloadSettings Reload { get; set; } = new();

    public CaptureSettings Capture { get; set; } = new();

    public RetentionSettings Retention { get; set; } = new();

    public EgressSettings Egress { get; set; } = new();

    public ApiSettings Api { get; set; } = new();

    public LogSettings Logging { get; set; } = new();
}

public sealed class LoaderSettings
{
    /// <summary>auto | kexec-file | kexec-tools | dry-run.</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>Capture kernel; empty = the distribution's default for the running release.</summary>
    public string? Kernel { get; set; }

    public string? Initrd { get; set; }

    /// <summary>Extra capture command-line arguments.</summary>
    public string? Append { get; set; }

    /// <summary>Options removed from the running command line before it reaches the capture kernel (in addition to the built-in list).</summary>
    public List<string> Remove { get; set; } = [];

    /// <summary>kexec-file | kexec-tools: which header layout the plan models; empty = follows the loader.</summary>
    public string? Layout { get; set; }

    /// <summary>Architecture profile; empty = the machine's.</summary>
    public string? Profile { get; set; }
}

public sealed class ReloadSettings
{
    public int QuietWindowMs { get; set; } = 500;

    public int MaxDelayMs { get; set; } = 5000;

    public int ReconcileSeconds { get; set; } = 300;

    public bool WatchUevents { get; set; } = true;

    /// <summary>At most one operator reload (POST /v1/reload) per this many seconds; 0 = no limit.</summary>
    public int OperatorIntervalSeconds { get; set; } = 30;

    /// <summary>The kernel log to watch for crash-hotplug failures; empty disables the watcher.</summary>
    public string Kmsg { get; set; } = "/dev/kmsg";
}

/// <summary>The Capture section; its defaults are the capture initrd's (<see cref="CaptureInitrdSpec.Defaults"/>).</summary>
public sealed class CaptureSettings
{
    private static readonly CaptureInitrdSpec _defaults = CaptureInitrdSpec.Defaults;

    /// <summary>auto | makedumpfile | builtin.</summary>
    public string Collector { get; set; } = _defaults.Collector;

    public string MakedumpfileArgs { get; set; } = string.Join(' ', _defaults.MakedumpfileArguments);

    /// <summary>reboot | poweroff | stay, after a capture in the capture kernel.</summary>
    public string FinalAction { get; set; } = _defaults.FinalAction;

    /// <summary>kdumpd (its own small capture initrd, the default) | distribution (the distribution's initrd; the capture then runs in the booted system).</summary>
    public string Initrd { get; set; } = "kdumpd";

    /// <summary>reboot | poweroff | shell, when the capture fails or its watchdog fires (shell only if the initrd has one).</summary>
    public string FailureAction { get; set; } = _defaults.FailureAction.ToString().ToLowerInvariant();

    /// <summary>The whole capture in the initrd, from /init to the final action.</summary>
    public int WatchdogSeconds { get; set; } = _defaults.WatchdogSeconds;

    /// <summary>How long the capture initrd waits for the dump target's device.</summary>
    public int DeviceWaitSeconds { get; set; } = _defaults.DeviceWaitSeconds;

    /// <summary>The native kdumpd-init for /init of the capture initrd; empty = kdumpd-init beside this binary, else /usr/libexec/kdumpd/kdumpd-init.</summary>
    public string? InitBinary { get; set; }
}

public sealed class RetentionSettings
{
    /// <summary>Keep at most this many complete kdumpd dumps; 0 = no count limit.</summary>
    public int KeepDumps { get; set; }

    /// <summary>Keep kdumpd's dumps under this many bytes; 0 = no byte budget.</summary>
    public long MaxBytes { get; set; }

    /// <summary>Delete old kdumpd dumps while the dump filesystem has less free space than this.</summary>
    public long MinFreeBytes { get; set; }
}

public sealed class ApiSettings
{
    public List<TokenEntry> Tokens { get; set; } = [];

    /// <summary>PFX/PEM certificate for HTTPS; required when listening beyond loopback.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificateKeyPath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>Serve /openapi and /docs without a token.</summary>
    public bool PublicDocs { get; set; }
}

public sealed class TokenEntry
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "";

    public string Sha256 { get; set; } = "";
}

public sealed class LogSettings
{
    /// <summary>Minimum level: Verbose, Debug, Information, Warning, Error.</summary>
    public string Level { get; set; } = "Information";

    /// <summary>Optional rolling CLEF file, e.g. /var/log/kdumpd/kdumpd.clef.</summary>
    public string? File { get; set; }
}

/// <summary>Where complete dumps are shipped after the reboot (docs/egress.md).</summary>
public sealed class EgressSettings
{
    /// <summary>Any number of named targets; empty = dumps stay on this host only.</summary>
    public List<EgressTargetSettings> Targets { get; set; } = [];

    /// <summary>A failed upload is tried again after this many minutes (an operator can retry at once).</summary>
    public int RetryFailedMinutes { get; set; } = 15;

    /// <summary>Where the generated plan.json and index.json wait for upload; empty = "egress" beside the database.</summary>
    public string? StagingDirectory { get; set; }
}

public sealed class EgressTargetSettings
{
    /// <summary>The target's name: the catalogue, the API and /metrics key on it.</summary>
    public string Name { get; set; } = "";

    /// <summary>s3 | sftp.</summary>
    public string Kind { get; set; } = "";

    // s3
    public string? Bucket { get; set; }

    /// <summary>Key prefix inside the bucket (dumps go to prefix/host/crash-time-id/...).</summary>
    public string Prefix { get; set; } = "";

    /// <summary>http(s) URL of an S3-compatible server; empty = AWS in Region.</summary>
    public string? Endpoint { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (endpoint/bucket/key), which most on-premises servers need.</summary>
    public bool PathStyle { get; set; } = true;

    /// <summary>
    /// A file readable by root only with aws_access_key_id and aws_secret_access_key lines; empty =
    /// the environment: KDUMPD_EGRESS_&lt;NAME&gt;_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    /// </summary>
    public string? CredentialsFile { get; set; }

    // sftp
    public string? Host { get; set; }

    public int Port { get; set; } = 22;

    public string? User { get; set; }

    /// <summary>The host key's SHA-256 fingerprint as `ssh-keygen -lf` prints it (SHA256:...): the only key accepted.</summary>
    public string? HostKey { get; set; }

    public string? PrivateKeyFile { get; set; }

    /// <summary>Absolute directory on the host under which dumps are written.</summary>
    public string? Directory { get; set; }

    // bounds
    public int PartSizeMiB { get; set; } = 16;

    /// <summary>Parts of one file in flight.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Dumps in flight to this target.</summary>
    public int ConcurrentDumps { get; set; } = 1;

    /// <summary>Cap on this target's bytes per second across all its transfers; 0 = none.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Retries of one file on transient errors (network, timeouts, 5xx), with exponential backoff.</summary>
    public int RetryAttempts { get; set; } = 5;
}
