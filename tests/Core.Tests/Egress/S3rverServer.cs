using System.Diagnostics;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>
/// s3rver (npm, pinned in tests/tools/package.json) on a loopback port with a bucket, its data
/// in a temp dir that survives a restart. It implements multipart upload but not ListParts,
/// AbortMultipartUpload, checksums or SigV4 signature checks (it checks the access key id only).
/// </summary>
internal sealed class S3rverServer : LoopbackServer
{
    public const string Bucket = "kdumpd-dumps";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public S3rverServer()
        : base("s3rver")
    {
        Directory.CreateDirectory(DataDirectory);
    }

    public static string ScriptPath { get; } = FindScript();

    public static string? SkipReason =>
        !File.Exists(ScriptPath) ? $"{ScriptPath} is missing (deploy/install-deps.sh runs npm install in tests/tools)"
        : !File.Exists("/usr/bin/node") && !File.Exists("/usr/local/bin/node") ? "node is not installed (deploy/install-deps.sh installs nodejs)"
        : null;

    public string DataDirectory => Path.Join(Root, "data");

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    protected override ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo("node");
        foreach (var a in new[] { ScriptPath, "-d", DataDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", "--configure-bucket", Bucket })
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Daemon.sln")))
            {
                return Path.Join(dir.FullName, "tests", "tools", "node_modules", "s3rver", "bin", "s3rver.js");
            }
        }

        return "tests/tools/node_modules/s3rver/bin/s3rver.js";
    }
}
