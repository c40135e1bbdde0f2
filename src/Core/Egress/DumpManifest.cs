using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kdumpd.Core.Catalog;

namespace Kdumpd.Core.Egress;

/// <summary>
/// What of a dump is shipped and under which names: the vmcore (with the SHA-256 the catalogue
/// computed), the dmesg, kdumpd's metadata, the plan of the generation in force as JSON, and
/// index.json last. Its folder is &lt;host&gt;/&lt;crash time&gt;-&lt;dump id&gt;, stable and readable.
/// Generated files (plan, index) are staged under <c>stagingDirectory/&lt;dump id&gt;</c>.
/// </summary>
public sealed record DumpManifest(string DumpId, string Folder, IReadOnlyList<EgressFile> Files)
{
    public const string VmcoreName = "vmcore";
    public const string DmesgName = "dmesg.txt";
    public const string MetadataName = "kdumpd.json";
    public const string PlanName = "plan.json";
    public const string IndexName = "index.json";

    public long TotalBytes => Files.Sum(f => f.Size);

    /// <summary>&lt;host&gt;/&lt;yyyyMMddTHHmmssZ&gt;-&lt;dump id&gt;: sorts by time under each host.</summary>
    public static string FolderOf(DumpRecord dump, string fallbackHost)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var host = Sanitize(dump.Hostname is { Length: > 0 } h ? h : fallbackHost);
        var time = (dump.CrashTime ?? dump.FirstSeen).UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return $"{host}/{time}-{dump.Id}";
    }

    /// <summary>Builds the manifest of a complete, hashed dump; null when it is not ready to ship.</summary>
    public static DumpManifest? For(DumpRecord dump, string? planJson, string fallbackHost, string stagingDirectory)
    {
        ArgumentNullException.ThrowIfNull(dump);
        if (!dump.Complete || dump.Sha256 is null || dump.VmcorePath is null || dump.FileSize is null)
        {
            return null;
        }

        var files = new List<EgressFile> { new(VmcoreName, dump.VmcorePath, dump.FileSize.Value, dump.Sha256) };
        if (dump.DmesgPath is { } dmesg && File.Exists(dmesg))
        {
            files.Add(Local(DmesgName, dmesg));
        }

        var metadata = Path.Join(dump.Directory, DumpLocator.KdumpdMetadata);
        if (File.Exists(metadata))
        {
            files.Add(Local(MetadataName, metadata));
        }

        var staging = Path.Join(stagingDirectory, dump.Id);
        if (planJson is not null)
        {
            files.Add(Staged(staging, PlanName, Encoding.UTF8.GetBytes(planJson)));
        }

        var host = dump.Hostname is { Length: > 0 } h ? h : fallbackHost;
        var index = new DumpIndexDocument(DumpIndexDocument.CurrentSchema, dump.Id, host, dump.KernelRelease, dump.CrashTime,
            dump.Title, dump.Signature, dump.PanicSummary, dump.BuildId, dump.Format,
            [.. files.Select(f => new DumpIndexFile(f.Name, f.Size, f.Sha256))]);
        files.Add(Staged(staging, IndexName, JsonSerializer.SerializeToUtf8Bytes(index, EgressJsonContext.Default.DumpIndexDocument)));
        return new DumpManifest(dump.Id, FolderOf(dump, fallbackHost), files);
    }

    private static EgressFile Local(string name, string path)
    {
        using var stream = File.OpenRead(path);
        return new EgressFile(name, path, stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    private static EgressFile Staged(string directory, string name, byte[] content)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Join(directory, name);
        File.WriteAllBytes(path, content);
        return new EgressFile(name, path, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    /// <summary>A host name safe in a key and a path: no slashes, no dot-dot, nothing invisible.</summary>
    private static string Sanitize(string host)
    {
        var clean = new string([.. host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).Trim('.');
        return clean.Length == 0 ? "unknown-host" : clean;
    }
}
