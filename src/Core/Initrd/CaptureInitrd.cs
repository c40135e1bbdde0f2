namespace Kdumpd.Core.Initrd;

/// <summary>
/// A built capture initrd: the file to load, its content key (SHA-256 of the archive's manifest of member digests, so a
/// new kernel release, module set, kdumpd binary or configuration gives a new key), its compressed and
/// unpacked sizes (the capture kernel holds both while it unpacks), and what went in.
/// </summary>
public sealed record CaptureInitrd(
    string Path,
    string Key,
    long CompressedBytes,
    long UnpackedBytes,
    bool Reused,
    IReadOnlyList<string> Modules,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Findings,
    CaptureInitrdSpec Spec);

/// <summary>The capture initrd cannot be built: says what is missing or refused, and the fix.</summary>
public sealed class CaptureInitrdException(string message) : Exception(message);
