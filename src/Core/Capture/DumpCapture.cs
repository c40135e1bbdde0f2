using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Dumps.Printk;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Processes;
using Serilog;

namespace Kdumpd.Core.Capture;

/// <summary>
/// Saves a vmcore in the capture kernel into &lt;dump dir&gt;/&lt;yyyyMMddTHHmmssZ&gt;-&lt;host&gt;/ (0700,
/// every file 0600): kdumpd.json first (so the directory is known as kdumpd's, with its dump id, and
/// incomplete), then dmesg.txt (small, and the most valuable part when the disk is nearly full), then
/// the vmcore into vmcore-incomplete (makedumpfile or the built-in writer), fsync, rename to vmcore,
/// fsync the directory, and kdumpd.json rewritten with the outcome. A little space is held back in
/// kdumpd.reserve while the vmcore is written so that the final kdumpd.json fits on a full disk. A
/// full disk or a failed collector leaves vmcore-incomplete and a kdumpd.json saying why; with no
/// space at all an empty vmcore-incomplete marks the folder. It never throws past the point where
/// the final action must still run.
/// </summary>
public sealed partial class DumpCapture(IProcessRunner runner, HostRoot host, ILogger? logger = null, TimeProvider? time = null)
{
    /// <summary>Held back while the vmcore is written: room for the final kdumpd.json beside the first one.</summary>
    public const int ReserveBytes = 64 * 1024;

    public const string ReserveFile = "kdumpd.reserve";

    private readonly ILogger _log = (logger ?? Serilog.Core.Logger.None).ForContext<DumpCapture>();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<CaptureResult> RunAsync(CaptureOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var total = Stopwatch.StartNew();
        var started = _time.GetUtcNow();
        var hostname = SafeHostname(options.Hostname ?? Environment.MachineName);
        var generation = options.Generation ?? GenerationFromCommandLine();
        var directory = CreateDumpDirectory(options.DumpDirectory, started, hostname);
        var partial = Path.Join(directory, DumpLocator.VmcoreIncomplete);
        var final = Path.Join(directory, DumpLocator.Vmcore);
        var metaPath = Path.Join(directory, DumpLocator.KdumpdMetadata);
        var reservePath = Path.Join(directory, ReserveFile);

        var sourceBytes = new FileInfo(options.VmcorePath).Length;
        var free = FreeBytes(directory);
        var collector = ChooseCollector(options.Collector, out var makedumpfile);
        var meta = new CaptureMetadata
        {
            KdumpdVersion = typeof(DumpCapture).Assembly.GetName().Version?.ToString(),
            DumpId = DumpId.For(Path.GetFileName(directory)),
            Hostname = hostname,
            Generation = generation,
            Source = options.VmcorePath,
            SourceBytes = sourceBytes,
            Collector = collector == CollectorKind.Makedumpfile ? "makedumpfile" : "builtin",
            CollectorArguments = collector == CollectorKind.Makedumpfile ? [.. options.MakedumpfileArguments] : null,
            StartedAt = started,
            Complete = false,
            IncompleteReason = "capture in progress",
            ExpectedBytes = sourceBytes,
            FreeBytesBefore = free,
            FinalAction = options.FinalAction.ToString().ToLowerInvariant(),
        };
        try
        {
            WriteMetadata(metaPath, meta);
        }
        catch (IOException e) when (DurableFiles.IsDiskFull(e))
        {
            return NoRoomAtAll(directory, partial, meta, free);
        }

        if (free is { } f && f < sourceBytes)
        {
            _log.Warning("Capturing {Source} ({Bytes} bytes) into {Directory} with only {Free} bytes free: the dump may not fit (filtering and zero-page skipping usually shrink it)", options.VmcorePath, sourceBytes, directory, f);
        }
        else
        {
            _log.Information("Capturing {Source} ({Bytes} bytes) into {Directory}, {Free} bytes free, collector {Collector}", options.VmcorePath, sourceBytes, directory, free, meta.Collector);
        }

        // The kernel log first: a few hundred KiB that usually say why the machine died.
        var dmesgWatch = Stopwatch.StartNew();
        var dmesg = await SaveDmesg(options, makedumpfile ?? runner.Find("makedumpfile"), Path.Join(directory, DumpLocator.KdumpdDmesg), cancellationToken);
        dmesgWatch.Stop();
        var reserved = Reserve(reservePath);

        var collect = Stopwatch.StartNew();
        string? reason = null;
        long? zeroPages = null;
        if (collector == CollectorKind.Makedumpfile)
        {
            var outcome = await RunMakedumpfile(makedumpfile!, [.. options.MakedumpfileArguments, options.VmcorePath, partial], cancellationToken);
            if (!outcome.Succeeded)
            {
                reason = $"makedumpfile exited {outcome.ExitCode ?? -1}: {MakedumpfileMessage.Reason(outcome)}";
                _log.Error("makedumpfile failed with {ExitCode}: {Output}", outcome.ExitCode ?? -1, outcome.Output);
                if (!outcome.Output.Contains("No space left", StringComparison.OrdinalIgnoreCase) && options.Collector == CollectorKind.Auto)
                {
                    _log.Warning("Falling back to the built-in writer");
                    meta = meta with { Collector = "builtin (makedumpfile failed)" };
                    (reason, zeroPages) = CopyBuiltin(options, partial);
                }
            }
        }
        else
        {
            (reason, zeroPages) = CopyBuiltin(options, partial);
        }

        collect.Stop();
        MakePrivate(partial);
        if (reason is null)
        {
            try
            {
                File.Move(partial, final);
                DurableFiles.SyncDirectory(directory);
            }
            catch (IOException e)
            {
                reason = $"rename to vmcore failed: {e.Message}";
            }
        }
        else
        {
            DurableFiles.SyncDirectory(directory);
        }

        var vmcorePath = File.Exists(final) ? final : File.Exists(partial) ? partial : null;
        var info = vmcorePath is null ? null : new FileInfo(vmcorePath);
        if (reason is not null && info is not null)
        {
            // What is really on disk, not what the collector had handed over when it failed.
            reason = $"{reason}; {info.Length} of {sourceBytes} bytes reached the disk in {DumpLocator.VmcoreIncomplete}";
        }

        meta = meta with
        {
            FinishedAt = _time.GetUtcNow(),
            Complete = reason is null,
            IncompleteReason = reason,
            VmcoreBytes = info?.Length,
            VmcoreAllocatedBytes = vmcorePath is null ? null : AllocatedBytes(vmcorePath),
            ZeroPagesSkipped = zeroPages,
            Dmesg = dmesg,
            CollectMilliseconds = collect.Elapsed.TotalMilliseconds,
            DmesgMilliseconds = dmesgWatch.Elapsed.TotalMilliseconds,
            TotalMilliseconds = total.Elapsed.TotalMilliseconds,
        };
        if (reserved)
        {
            DurableFiles.TryDelete(reservePath);
        }

        try
        {
            WriteMetadata(metaPath, meta);
        }
        catch (IOException e)
        {
            // The first kdumpd.json (complete=false) stays: the dump still reads as incomplete.
            _log.Error("Cannot rewrite {Path}: {Error}", metaPath, e.Message);
        }

        if (reason is null)
        {
            _log.Information("Saved {Vmcore}: {Bytes} bytes in {Seconds:F1} s, dmesg: {Dmesg}", vmcorePath, info?.Length, collect.Elapsed.TotalSeconds, dmesg);
        }
        else
        {
            _log.Error("Dump in {Directory} is incomplete: {Reason}", directory, reason);
        }

        return new CaptureResult(directory, vmcorePath, reason is null, reason, meta);
    }

    /// <summary>Not even kdumpd.json fits: an empty vmcore-incomplete (no data block needed) still marks the folder.</summary>
    private CaptureResult NoRoomAtAll(string directory, string partial, CaptureMetadata meta, long? free)
    {
        var reason = $"no space left in {directory} ({free?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} bytes free): nothing of the vmcore was saved";
        try
        {
            DurableFiles.CreatePrivate(partial).Dispose();
            DurableFiles.SyncDirectory(directory);
        }
        catch (IOException e)
        {
            reason += $"; even the empty {DumpLocator.VmcoreIncomplete} marker failed: {e.Message}";
        }

        _log.Error("Dump in {Directory} is incomplete: {Reason}", directory, reason);
        return new CaptureResult(directory, File.Exists(partial) ? partial : null, false, reason, meta with { IncompleteReason = reason, FinishedAt = _time.GetUtcNow() });
    }

    private bool Reserve(string path)
    {
        try
        {
            using var stream = DurableFiles.CreatePrivate(path, bufferSize: 0);
            stream.Write(new byte[ReserveBytes]);
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException e)
        {
            DurableFiles.TryDelete(path);
            _log.Warning("Cannot hold back {Bytes} bytes for the final kdumpd.json in {Path}: {Error}", ReserveBytes, path, e.Message);
            return false;
        }
    }

    private long? FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            _log.Warning("Cannot tell the free space of {Directory}: {Error}", directory, e.Message);
            return null;
        }
    }

    /// <summary>makedumpfile creates its output with its own mode; a dump is for root only.</summary>
    private static void MakePrivate(string path)
    {
        try
        {
            if (!OperatingSystem.IsWindows() && File.Exists(path))
            {
                File.SetUnixFileMode(path, DurableFiles.Private);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: the folder itself is 0700
        }
    }

    private (string? Reason, long? ZeroPages) CopyBuiltin(CaptureOptions options, string partial)
    {
        var lastReport = Stopwatch.StartNew();
        var progress = new SyncProgress(p =>
        {
            if (lastReport.Elapsed >= TimeSpan.FromSeconds(2) || p.Done == p.Total)
            {
                lastReport.Restart();
                _log.Information("Copying vmcore: {Percent:F1} % ({Done} of {Total} bytes)", p.Total == 0 ? 100 : 100.0 * p.Done / p.Total, p.Done, p.Total);
            }
        });
        try
        {
            var result = BuiltinVmcoreWriter.Copy(options.VmcorePath, partial, options.BufferBytes, progress);
            if (result.DiskFull)
            {
                return ($"disk full: {result.Error}", result.ZeroPagesSkipped);
            }

            return (null, result.ZeroPagesSkipped);
        }
        catch (IOException e)
        {
            return ($"copy failed: {e.Message}", null);
        }
        catch (UnauthorizedAccessException e)
        {
            return ($"copy failed: {e.Message}", null);
        }
    }

    private async Task<ProcessResult> RunMakedumpfile(string program, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        _log.Information("Running {Program} {Arguments}", program, string.Join(' ', args));
        try
        {
            return await runner.RunAsync(program, args, Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ProcessResult(null, "", "", TimedOut: false, TimeSpan.Zero, e.Message);
        }
    }

    private async Task<string> SaveDmesg(CaptureOptions options, string? makedumpfile, string path, CancellationToken cancellationToken)
    {
        string? failed = null;
        if (makedumpfile is not null)
        {
            var outcome = await RunMakedumpfile(makedumpfile, ["--dump-dmesg", options.VmcorePath, path], cancellationToken);
            MakePrivate(path);
            if (outcome.Succeeded && File.Exists(path))
            {
                return "makedumpfile --dump-dmesg";
            }

            failed = $"makedumpfile --dump-dmesg exited {outcome.ExitCode ?? -1}: {MakedumpfileMessage.Reason(outcome)}; ";
        }

        // The built-in reader writes the same text makedumpfile would, from the printk buffer in the vmcore.
        var dmesg = VmcoreDmesg.Extract(options.VmcorePath);
        if (dmesg.Text is null)
        {
            return $"{failed}not extracted: {dmesg.Problem}";
        }

        try
        {
            DurableFiles.WriteAtomically(path, System.Text.Encoding.Latin1.GetBytes(dmesg.Text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{failed}read by the built-in printk reader but not written: {e.Message}";
        }

        MakePrivate(path);
        return $"{failed}built-in printk reader ({dmesg.Layout}, {dmesg.Records} records{(dmesg.Problem is null ? string.Empty : "; " + dmesg.Problem)})";
    }

    private CollectorKind ChooseCollector(CollectorKind wanted, out string? makedumpfile)
    {
        makedumpfile = wanted == CollectorKind.Builtin ? null : runner.Find("makedumpfile");
        if (wanted == CollectorKind.Makedumpfile && makedumpfile is null)
        {
            _log.Warning("makedumpfile was asked for but is not on PATH: using the built-in writer");
        }

        return makedumpfile is null ? CollectorKind.Builtin : CollectorKind.Makedumpfile;
    }

    private long? GenerationFromCommandLine()
    {
        var cmdline = host.TryReadText("/proc/cmdline");
        if (cmdline is null)
        {
            return null;
        }

        return CaptureCommandLine.GenerationOf(cmdline);
    }

    private static string CreateDumpDirectory(string dumpDirectory, DateTimeOffset now, string hostname)
    {
        Directory.CreateDirectory(dumpDirectory, PrivateDirectory);
        var name = $"{now.UtcDateTime.ToString(DumpLocator.KdumpdStampFormat, CultureInfo.InvariantCulture)}-{hostname}";
        var path = Path.Join(dumpDirectory, name);
        for (var i = 1; Directory.Exists(path); i++)
        {
            path = Path.Join(dumpDirectory, $"{name}.{i}");
        }

        Directory.CreateDirectory(path, PrivateDirectory);
        DurableFiles.SyncDirectory(dumpDirectory);
        return Path.GetFullPath(path);
    }

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static void WriteMetadata(string path, CaptureMetadata meta) =>
        DurableFiles.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(meta, CaptureMetadataJsonContext.Default.CaptureMetadata));

    private static long? AllocatedBytes(string path)
    {
        try
        {
            var output = new FileInfo(path);
            return output.Exists ? SparseFiles.AllocatedBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string SafeHostname(string name)
    {
        var clean = HostnameChars().Replace(name.Trim(), "_");
        return clean.Length == 0 || clean is "(none)" or "_none_" ? "localhost" : clean[..Math.Min(clean.Length, 64)];
    }

    [GeneratedRegex(@"[^A-Za-z0-9._-]")]
    private static partial Regex HostnameChars();

    /// <summary>Progress reported on the writer's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<CopyProgress> report) : IProgress<CopyProgress>
    {
        public void Report(CopyProgress value) => report(value);
    }
}
