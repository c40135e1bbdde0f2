namespace Kdumpd.Core.Egress;

/// <summary>
/// Where complete dumps are shipped after the reboot. Each target has a name (the catalogue and
/// the metrics key on it) and its own bounds; the kinds are the records below.
/// </summary>
public abstract record EgressTarget(string Name, EgressLimits Limits)
{
    /// <summary>s3 | sftp: the label the API, the CLI and /metrics show.</summary>
    public abstract string Kind { get; }

    /// <summary>The URL-like location of a dump's folder on this target, for operators.</summary>
    public abstract string LocationOf(string dumpFolder);
}

/// <summary>
/// Bounds of one target: part (chunk) size, parts in flight per file, dumps in flight, bytes per
/// second across all of this target's transfers (0 = unbounded), retry attempts per operation.
/// </summary>
public sealed record EgressLimits(
    int PartSizeBytes = EgressLimits.DefaultPartSize,
    int Concurrency = 2,
    int ConcurrentDumps = 1,
    long BytesPerSecond = 0,
    int RetryAttempts = 5,
    TimeSpan? RetryBaseDelay = null)
{
    public const int DefaultPartSize = 16 << 20;

    /// <summary>S3's smallest part (all but the last).</summary>
    public const int MinPartSize = 5 << 20;
}

/// <summary>S3-compatible object storage (AWS, Ceph RGW, MinIO, ...).</summary>
public sealed record S3Target(
    string Name,
    string Bucket,
    string Prefix,
    Uri? Endpoint,
    string Region,
    S3Credentials Credentials,
    bool PathStyle,
    EgressLimits Limits) : EgressTarget(Name, Limits)
{
    public override string Kind => "s3";

    public override string LocationOf(string dumpFolder) => $"s3://{Bucket}/{KeyOf(dumpFolder)}/";

    /// <summary>The object key of a path under the target: prefix/path without doubled slashes.</summary>
    public string KeyOf(string path) => Prefix.Trim('/') is { Length: > 0 } p ? $"{p}/{path}" : path;
}

/// <summary>An access key pair; never logged, never shown by the API.</summary>
public sealed record S3Credentials(string AccessKeyId, string SecretAccessKey)
{
    public override string ToString() => $"S3Credentials({AccessKeyId}, ***)";
}

/// <summary>An SSH host reached over SFTP, its host key pinned as ssh-keygen prints it (SHA256:...).</summary>
public sealed record SftpTarget(
    string Name,
    string Host,
    int Port,
    string User,
    string HostKeySha256,
    string PrivateKeyFile,
    string Directory,
    EgressLimits Limits) : EgressTarget(Name, Limits)
{
    public override string Kind => "sftp";

    public override string LocationOf(string dumpFolder) => $"sftp://{User}@{Host}:{Port}{PathOf(dumpFolder)}/";

    /// <summary>The remote path of a path under the target directory.</summary>
    public string PathOf(string path) => Directory.TrimEnd('/') + "/" + path;
}
