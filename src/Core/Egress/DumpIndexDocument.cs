using System.Text.Json.Serialization;

namespace Kdumpd.Core.Egress;

/// <summary>
/// index.json, written next to a shipped dump's files and last of them: a fleet lists and groups
/// its crashes by reading these from the bucket or the SSH host, without any server of kdumpd's.
/// Its presence means every file beside it was verified.
/// </summary>
public sealed record DumpIndexDocument(
    int Schema,
    string DumpId,
    string Host,
    string? Kernel,
    DateTimeOffset? CrashTime,
    string? Title,
    string? Signature,
    string? Panic,
    string? BuildId,
    string? Format,
    IReadOnlyList<DumpIndexFile> Files)
{
    public const int CurrentSchema = 1;
}

public sealed record DumpIndexFile(string Name, long Size, string Sha256);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DumpIndexDocument))]
public sealed partial class EgressJsonContext : JsonSerializerContext;
