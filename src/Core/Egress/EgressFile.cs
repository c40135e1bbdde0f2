namespace Kdumpd.Core.Egress;

/// <summary>
/// One file of a dump to ship: its name in the dump's folder on the target, the local file, and
/// the size and SHA-256 the target's copy must have to count as verified.
/// </summary>
public sealed record EgressFile(string Name, string LocalPath, long Size, string Sha256)
{
    /// <summary>Target-relative path: &lt;dump folder&gt;/&lt;name&gt;.</summary>
    public string PathIn(string dumpFolder) => $"{dumpFolder}/{Name}";
}
