using System.Text.Json.Serialization;
using Kdumpd.Api.Contracts;

namespace Kdumpd.Api;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UseStringEnumConverter = true,
    WriteIndented = false)]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(ReadinessDocument))]
[JsonSerializable(typeof(IReadOnlyList<GenerationDocument>))]
[JsonSerializable(typeof(GenerationDocument))]
[JsonSerializable(typeof(DumpPage))]
[JsonSerializable(typeof(DumpDocument))]
[JsonSerializable(typeof(CrashGroupsDocument))]
[JsonSerializable(typeof(IReadOnlyList<EgressDocument>))]
[JsonSerializable(typeof(ActionResultDocument))]
[JsonSerializable(typeof(HealthDocument))]
[JsonSerializable(typeof(IdentityDocument))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

public sealed record HealthDocument(string Status);
