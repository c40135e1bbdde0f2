using System.Text.Json.Serialization;

namespace Kdumpd.Core.Triage;

/// <summary>
/// What `kdumpd triage FILE` answers. <see cref="Title"/> is null when no crash was found;
/// <see cref="Reason"/> says why when the file could not be read (or only in part);
/// <see cref="Uncertain"/> says when the title names the kind of crash but not its place.
/// Field names are a contract: scripts read title, signature, panicLine and callTrace.
/// </summary>
public sealed record TriageResult(
    string File,
    string Input,
    string? Title,
    string? Signature,
    string? Kind,
    string? Function,
    string? PanicLine,
    int? PanicLineNumber,
    IReadOnlyList<string> CallTrace,
    string? KernelRelease,
    string? DmesgLayout,
    string? Reason,
    string? Uncertain)
{
    /// <summary>The kernel log the title was read from (not serialized: it can be megabytes).</summary>
    [JsonIgnore]
    public string? Dmesg { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TriageResult))]
public sealed partial class TriageJsonContext : JsonSerializerContext;
