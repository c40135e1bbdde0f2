using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// kdumpd.json, written beside every dump kdumpd captures: what was captured, how, from which
/// generation, how long it took and how big it is. Its presence is what makes a dump directory
/// "owned" (retention may delete it). Written first (complete=false), rewritten at the end.
/// </summary>
public sealed record CaptureMetadata
{
    public int FormatVersion { get; init; } = 1;

    public string? KdumpdVersion { get; init; }

    /// <summary>The dump's id (<see cref="Catalog.DumpId"/> of the folder name): with the file's owner and mode, what proves kdumpd wrote the folder.</summary>
    public string? DumpId { get; init; }

    public string? Hostname { get; init; }

    public long? Generation { get; init; }

    public string? Source { get; init; }

    public long? SourceBytes { get; init; }

    public string? Collector { get; init; }

    public IReadOnlyList<string>? CollectorArguments { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool Complete { get; init; }

    public string? IncompleteReason { get; init; }

    public long? ExpectedBytes { get; init; }

    public long? FreeBytesBefore { get; init; }

    public long? VmcoreBytes { get; init; }

    public long? VmcoreAllocatedBytes { get; init; }

    public long? ZeroPagesSkipped { get; init; }

    public string? Dmesg { get; init; }

    public double? CollectMilliseconds { get; init; }

    public double? DmesgMilliseconds { get; init; }

    public double? TotalMilliseconds { get; init; }

    public string? FinalAction { get; init; }

    /// <summary>snake_case, nulls left out, indented; source-generated (the daemon is a NativeAOT binary).</summary>
    public static JsonSerializerOptions JsonOptions => CaptureMetadataJsonContext.Default.Options;

    /// <summary>Parses kdumpd.json bytes; null when not valid JSON.</summary>
    public static CaptureMetadata? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CaptureMetadataJsonContext.Default.CaptureMetadata);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads a kdumpd.json of at most 1 MiB; null when missing or not valid JSON.</summary>
    public static CaptureMetadata? TryRead(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 1 << 20)
            {
                return null;
            }

            return JsonSerializer.Deserialize(File.ReadAllBytes(path), CaptureMetadataJsonContext.Default.CaptureMetadata);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(CaptureMetadata))]
public sealed partial class CaptureMetadataJsonContext : JsonSerializerContext;
