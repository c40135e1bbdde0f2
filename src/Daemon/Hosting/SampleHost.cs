namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The built-in sample: a real host tree captured in a QEMU guest (samples/host, copied beside the
/// binary or installed by the package), the dry-run loader, and state under $TMPDIR/kdumpd-sample, so `kdumpd run --sample`
/// shows the whole daemon without touching the machine it runs on.
/// </summary>
public static class SampleHost
{
    /// <summary>Where the Debian package puts the samples (the binary itself is /usr/sbin/kdumpd).</summary>
    public const string PackagedHostRoot = "/usr/share/kdumpd/samples/host";

    /// <summary>samples/host beside the binary (a build or publish directory), else the packaged copy.</summary>
    public static string HostRoot =>
        Path.Join(AppContext.BaseDirectory, "samples", "host") is var besideBinary && Directory.Exists(besideBinary)
            ? besideBinary
            : PackagedHostRoot;

    public static string StateDirectory => Path.Join(Path.GetTempPath(), "kdumpd-sample");

    /// <summary>Fills what the operator did not set on the command line.</summary>
    public static void Apply(Dictionary<string, string?> overrides)
    {
        overrides["HostRoot"] ??= HostRoot;
        overrides["DumpDir"] ??= Path.Join(StateDirectory, "crash");
        overrides["Database"] ??= Path.Join(StateDirectory, "kdumpd.db");
        overrides["Loader:Mode"] = "dry-run";
        // The sample tree was captured on another machine: kdumpd's own capture initrd is built from the
        // host it runs on (its modules, its dump target), so the sample "loads" its stand-in initrd instead.
        overrides["Capture:Initrd"] = overrides.GetValueOrDefault("Capture:Initrd") ?? "distribution";
        overrides["Reload:WatchUevents"] = "false";
        Directory.CreateDirectory(overrides["DumpDir"]!);
    }
}
