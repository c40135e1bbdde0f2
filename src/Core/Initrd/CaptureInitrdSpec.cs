using System.Text.Json;
using System.Text.Json.Serialization;
using Kdumpd.Core.Capture;

namespace Kdumpd.Core.Initrd;

/// <summary>What the capture initrd does when the capture fails or its watchdog fires.</summary>
public enum FailureAction
{
    Reboot,
    Poweroff,

    /// <summary>A shell on the console, only when the initrd has one (else reboot).</summary>
    Shell,
}

/// <summary>
/// Everything /init needs to know, decided before the crash and written into the initrd as
/// <see cref="PathInInitrd"/>: the modules in load order, the dump target by filesystem UUID, how to save
/// the vmcore and what to do afterwards. The capture defaults are named here and only here: the
/// configuration starts from <see cref="Defaults"/>, and the builder fills in the target with <c>with</c>.
/// </summary>
public sealed record CaptureInitrdSpec
{
    public const string PathInInitrd = "etc/kdumpd/capture.json";

    /// <summary>Bumped when the initrd's layout or /init's contract changes: old initrds are rebuilt.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The capture defaults, before a target is resolved.</summary>
    public static CaptureInitrdSpec Defaults { get; } = new();

    public int Format { get; init; } = CurrentFormat;

    /// <summary>Empty until the builder resolved the target (so in <see cref="Defaults"/>).</summary>
    public string KernelRelease { get; init; } = "";

    public string TargetUuid { get; init; } = "";

    public string FilesystemType { get; init; } = "";

    /// <summary>The dump directory inside the target filesystem ("/var/crash" on the root filesystem, "/" on a dedicated one).</summary>
    public string PathInFilesystem { get; init; } = "/";

    public DumpTargetKind Stack { get; init; } = DumpTargetKind.Plain;

    /// <summary>The initrd path of the lvm binary when the target is a logical volume (activated before the device search).</summary>
    public string? Lvm { get; init; }

    /// <summary>Initrd paths of the modules in load order.</summary>
    public IReadOnlyList<string> Modules { get; init; } = [];

    public string Collector { get; init; } = "auto";

    public IReadOnlyList<string> MakedumpfileArguments { get; init; } = CaptureOptions.DefaultMakedumpfileArguments;

    /// <summary>reboot or poweroff after a complete dump.</summary>
    public string FinalAction { get; init; } = "reboot";

    public FailureAction FailureAction { get; init; } = FailureAction.Reboot;

    /// <summary>The whole capture, from /init's start to the final action.</summary>
    public int WatchdogSeconds { get; init; } = 1800;

    /// <summary>How long to wait for the dump target's device to appear after the modules are loaded.</summary>
    public int DeviceWaitSeconds { get; init; } = 60;

    public string? Hostname { get; init; }

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, CaptureInitrdJsonContext.Default.CaptureInitrdSpec);

    /// <summary>The spec in <paramref name="json"/>; a <see cref="JsonException"/> when it is not one or names no target.</summary>
    public static CaptureInitrdSpec Parse(ReadOnlySpan<byte> json)
    {
        var spec = JsonSerializer.Deserialize(json, CaptureInitrdJsonContext.Default.CaptureInitrdSpec) ?? throw new JsonException("the capture spec is null");
        return spec.TargetUuid.Length == 0 || spec.FilesystemType.Length == 0 || spec.KernelRelease.Length == 0
            ? throw new JsonException("the capture spec names no target (targetUuid, filesystemType and kernelRelease are required)")
            : spec;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CaptureInitrdSpec))]
internal sealed partial class CaptureInitrdJsonContext : JsonSerializerContext;
