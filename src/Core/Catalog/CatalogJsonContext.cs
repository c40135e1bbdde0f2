using System.Text.Json.Serialization;

namespace Kdumpd.Core.Catalog;

/// <summary>The JSON columns of the catalogue (a call trace is a JSON array of frames), source-generated for NativeAOT.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
public sealed partial class CatalogJsonContext : JsonSerializerContext;
