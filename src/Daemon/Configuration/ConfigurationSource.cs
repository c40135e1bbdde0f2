using System.Security.Cryptography;

namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// Where the running configuration was read from (the file, KDUMPD__ variables, command-line values),
/// kept so a reload reads it exactly as the start did: the command line still wins over the file.
/// </summary>
public sealed record ConfigurationSource(string? ConfigPath, IReadOnlyDictionary<string, string?> Overrides, bool ReadDefaultFile = true)
{
    /// <summary>A daemon built from options in code (tests): a reload re-reads nothing but this.</summary>
    public static ConfigurationSource None { get; } = new(null, new Dictionary<string, string?>(), ReadDefaultFile: false);

    /// <summary>The file the configuration comes from, or null when there is none.</summary>
    public string? FilePath => ConfigPath ?? (ReadDefaultFile && File.Exists(KdumpdOptions.DefaultConfigPath) ? KdumpdOptions.DefaultConfigPath : null);

    /// <summary>"/etc/kdumpd/kdumpd.json", or what stands in for it in the log.</summary>
    public string Describe() => FilePath ?? "environment and command line (no configuration file)";

    public ConfigLoader.Result Load() => ConfigLoader.Load(ConfigPath, Overrides, ReadDefaultFile);

    /// <summary>SHA-256 of the file's bytes (null when there is no file or it cannot be read): a change is a different digest.</summary>
    public byte[]? FileDigest()
    {
        if (FilePath is not { } path)
        {
            return null;
        }

        try
        {
            return SHA256.HashData(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
