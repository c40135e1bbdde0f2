namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The built-in sample: a real host tree captured in a QEMU guest (samples/host, copied beside the
/// binary), the dry-run loader, and state under $TMPDIR/kdumpd-sample, so `kdumpd run --sample`
/// shows the whole daemon without touching the machine it runs on.
/// </summary>
public static class SampleHost
{
    public static string HostRoot => Path.Join(AppContext.BaseDirectory, "samples", "host");

    public static string StateDirectory => Path.Join(Path.GetTempPath(), "kdumpd-sample");

    /// <summary>Fills what the operator did not set on the command line.</summary>
    public static void Apply(Dictionary<string, string?> overrides)
    {
        overrides["HostRoot"] ??= HostRoot;
        overrides["DumpDir"] ??= Path.Join(StateDirectory, "crash");
        overrides["Database"] ??= Path.Join(StateDirectory, "kdumpd.db");
        overrides["Loader:Mode"] = "dry-run";
        overrides["Reload:WatchUevents"] = "false";
        Directory.CreateDirectory(overrides["DumpDir"]!);
    }
}
