using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Kdumpd.Api.Dashboard;

/// <summary>One file of the dashboard, read once from the assembly's embedded resources.</summary>
public sealed record DashboardAsset(string Name, string ContentType, byte[] Bytes, string ETag);

/// <summary>
/// The dashboard's files, embedded in this assembly (Dashboard/assets/*, resource names
/// "dashboard/NAME"): a single NativeAOT binary carries them, no web root beside it.
/// </summary>
public static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly Lazy<FrozenDictionary<string, DashboardAsset>> _all = new(Load);

    public static IReadOnlyCollection<string> Names => _all.Value.Keys;

    public static DashboardAsset? Find(string name) => _all.Value.GetValueOrDefault(name);

    private static FrozenDictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[Prefix.Length..];
            var bytes = Read(assembly, resource);
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
            assets[name] = new DashboardAsset(name, ContentTypeOf(name), bytes, etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource '{resource}' is listed but cannot be opened");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}
