using System.Diagnostics;
using System.Globalization;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;
using Kdumpd.Core.Tests.Dumps;

namespace Kdumpd.Bench.Egress;

/// <summary>
/// `Kdumpd.Bench egress KEY=VALUE...`: ships the one dump of a dump directory to one target with
/// kdumpd's real egress (catalogue, journal, uploader, read-back verification) and prints
/// "upload_seconds=… vmcore_acknowledged_seconds=… verify_included=yes bytes=… sent=… state=…"
/// (the first: every file shipped and verified; the second: the host acknowledged the vmcore's
/// last byte, before its verification). With stop=CMD and start=CMD it
/// runs CMD through bash when half the bytes are acknowledged, lets the upload fail, starts the
/// server again and resumes; sent then shows what went over the wire twice. With kill9 it kills
/// itself with SIGKILL once half is acknowledged; run again on the same db=, it resumes and prints
/// resent_after_restart. Driven by bench/egress/run.sh.
/// </summary>
public static class EgressBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = args.Select(x => x.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        string Get(string key, string? fallback = null) => a.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"missing {key}=");
        if (a.TryGetValue("make_mib", out var mib))
        {
            MakeDump(Get("dumps"), long.Parse(mib, CultureInfo.InvariantCulture) << 20);
            return 0;
        }

        var database = new KdumpdDatabase(Get("db"));
        database.Migrate();
        var catalog = new DumpCatalog(database, Get("dumps"));
        catalog.Scan();
        catalog.HashPending();
        var dump = catalog.List(new DumpQuery()).Items.Single();
        var limits = new EgressLimits(
            PartSizeBytes: int.Parse(Get("part_mib", "16"), CultureInfo.InvariantCulture) << 20,
            Concurrency: int.Parse(Get("concurrency", "2"), CultureInfo.InvariantCulture),
            RetryAttempts: a.ContainsKey("stop") ? 0 : 5);
        EgressTarget target = Get("kind") == "s3"
            ? new S3Target("bench", Get("bucket"), Get("prefix", ""), new Uri(Get("endpoint")), "us-east-1", new S3Credentials(Get("key"), Get("secret")), true, limits)
            : new SftpTarget("bench", "127.0.0.1", int.Parse(Get("port"), CultureInfo.InvariantCulture), Get("user", "root"), Get("hostkey"), Get("identity"), Get("dir"), limits);
        var store = new EgressStateStore(database);
        await using var coordinator = new EgressCoordinator(new EgressOptions([target], Get("staging"), "bench", TimeSpan.Zero),
            EgressUploaders.For, catalog, new GenerationStore(database), store, new EgressMetrics());

        // As the daemon does at start: an upload a killed process left 'uploading' resumes.
        coordinator.RecoverInterrupted();
        var atStart = store.Get(dump.Id, "bench");
        var clock = Stopwatch.StartNew();
        if (a.ContainsKey("kill9"))
        {
            // kdumpd killed with -9 halfway: no cleanup, no flush; the next run resumes from the catalogue.
            var pass = coordinator.RunPassAsync(CancellationToken.None);
            while (!pass.IsCompleted)
            {
                if (store.Get(dump.Id, "bench") is { BytesTotal: { } total, BytesDone: var done } s && done >= total / 2)
                {
                    Console.WriteLine($"killed_at={s.BytesDone} sent_before_kill={s.BytesSent}");
                    Console.Out.Flush();
                    Process.GetCurrentProcess().Kill();
                }

                await Task.Delay(10);
            }
        }

        if (a.TryGetValue("stop", out var stop))
        {
            var pass = coordinator.RunPassAsync(CancellationToken.None);
            while (!pass.IsCompleted)
            {
                if (store.Get(dump.Id, "bench") is { BytesTotal: { } total, BytesDone: var done } && done >= total / 2)
                {
                    Bash(stop);
                    break;
                }

                await Task.Delay(10);
            }

            await pass;
            var cut = store.Get(dump.Id, "bench")!;
            Console.WriteLine($"stopped_at={cut.BytesDone} state_after_stop={cut.State.ToName()} sent_before_restart={cut.BytesSent}");
            Bash(Get("start"));
        }

        // When the host acknowledged the vmcore's last byte (it is shipped first), before its
        // verification and the small files: the figure that compares with a plain scp.
        double? acknowledgedAt = null;
        var final = coordinator.RunPassAsync(CancellationToken.None);
        while (!final.IsCompleted)
        {
            if (acknowledgedAt is null && store.Get(dump.Id, "bench") is { BytesDone: var done } && done >= dump.FileSize)
            {
                acknowledgedAt = clock.Elapsed.TotalSeconds;
            }

            await Task.WhenAny(final, Task.Delay(20));
        }

        await final;
        var status = store.Get(dump.Id, "bench")!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"upload_seconds={clock.Elapsed.TotalSeconds:F2} vmcore_acknowledged_seconds={acknowledgedAt ?? double.NaN:F2} verify_included=yes vmcore_bytes={dump.FileSize} bytes={status.BytesTotal} sent={status.BytesSent} resent={status.BytesSent - status.BytesTotal} state={status.State.ToName()} reason={status.Reason}"));
        if (atStart is { BytesDone: > 0 })
        {
            // What this run sent beyond what the target was missing at its start: sent twice.
            Console.WriteLine($"resumed_from={atStart.BytesDone} resent_after_restart={status.BytesSent - atStart.BytesSent - (status.BytesTotal - atStart.BytesDone)}");
        }

        return status.State == EgressState.Verified ? 0 : 1;
    }

    /// <summary>A kdumpd dump directory whose vmcore is a real ELF header over random bytes.</summary>
    private static void MakeDump(string dumps, long bytes)
    {
        var dir = Directory.CreateDirectory(Path.Join(dumps, "20261124T100000Z-bench")).FullName;
        SyntheticDumps.WriteRandomElf(Path.Join(dir, "vmcore"), bytes);
        File.WriteAllText(Path.Join(dir, "dmesg.txt"), "Kernel panic - not syncing: bench\n");
        File.WriteAllText(Path.Join(dir, "kdumpd.json"), "{\"format_version\":1,\"complete\":true}");
    }

    private static void Bash(string command)
    {
        using var p = Process.Start("bash", ["-c", command])!;
        p.WaitForExit();
    }
}
