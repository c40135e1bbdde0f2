using System.Text.Json;
using Microsoft.Data.Sqlite;
using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// Brings the `dumps` table up to date with the dump directory: one transaction per dump, so an
/// interrupted scan leaves a usable database the next scan completes.
/// </summary>
internal sealed class DumpScanner(KdumpdDatabase database, string dumpDirectory, ILogger log, TimeProvider time)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _reportedUnknown = new(StringComparer.Ordinal);

    /// <summary>
    /// Finds every dump directory and brings its row up to date. Unchanged directories (same file
    /// names, sizes and mtimes) are skipped; rows of directories that are gone are removed.
    /// Cancellation stops between two dumps: every row already written stays valid.
    /// </summary>
    public DumpScanResult Scan(CancellationToken cancellationToken = default)
    {
        var located = DumpLocator.Locate(
            dumpDirectory,
            (folder, reason) => log.Warning("Dump folder {Folder} cannot be read and is not catalogued: {Reason}", folder, reason),
            (folder, reason) =>
            {
                // Once per folder and process: the scan runs again at every change and every reconcile.
                if (_reportedUnknown.TryAdd(folder, true))
                {
                    log.Warning("Folder {Folder} in the dump directory has an unknown layout and is not catalogued: {Reason}", folder, reason);
                }
            });
        var known = new Dictionary<string, string?>(StringComparer.Ordinal);
        using var connection = database.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, scan_key FROM dumps;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                known[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
        }

        int added = 0, updated = 0, unchanged = 0, unreadable = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dump in located)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = DumpId.For(dump.RelativeName);
            seen.Add(id);
            var (key, total) = DumpAnalyzer.ScanKey(dump);
            if (known.TryGetValue(id, out var oldKey) && oldKey == key)
            {
                unchanged++;
                continue;
            }

            var facts = DumpAnalyzer.Analyze(dump, key, total);
            if (facts.HeaderError is not null)
            {
                unreadable++;
                log.Warning("Dump {DumpId} in {Directory}: header unreadable: {HeaderError}", id, dump.Directory, facts.HeaderError);
            }

            Upsert(connection, id, facts);
            if (known.ContainsKey(id))
            {
                updated++;
            }
            else
            {
                added++;
            }
        }

        var removed = 0;
        foreach (var (id, directory) in DumpRows.Pairs(connection, "SELECT id, directory FROM dumps;"))
        {
            if (!seen.Contains(id) && DumpLocator.IsInside(dumpDirectory, directory) && !Directory.Exists(directory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                DumpRows.Execute(connection, "DELETE FROM dumps WHERE id = $id;", ("$id", id));
                removed++;
                log.Information("Dump {DumpId} in {Directory} is gone from disk; removed from the catalogue", id, directory);
            }
        }

        var result = new DumpScanResult(located.Count, added, updated, unchanged, removed, unreadable);
        // The daemon rescans every minute: an unchanged directory is not news.
        var level = result.Added + result.Updated + result.Removed + result.Unreadable > 0 ? Serilog.Events.LogEventLevel.Information : Serilog.Events.LogEventLevel.Debug;
        log.Write(level, "Scanned {DumpDirectory}: {Found} dumps, {Added} added, {Updated} updated, {Unchanged} unchanged, {Removed} removed, {Unreadable} unreadable",
            dumpDirectory, result.Found, result.Added, result.Updated, result.Unchanged, result.Removed, result.Unreadable);
        return result;
    }

    private void Upsert(SqliteConnection connection, string id, DumpFacts f)
    {
        var now = DumpAnalyzer.Iso(time.GetUtcNow());
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO dumps (id, directory, layout, owned, vmcore_path, dmesg_path, format, compression, file_size, file_mtime,
                kernel_release, crash_time, hostname, cpu_count, dump_level, panic_summary, call_trace, complete, incomplete_reason,
                generation, header_error, build_id, total_bytes, scan_key, first_seen, last_scanned, title, signature, triage_note)
            VALUES ($id, $directory, $layout, $owned, $vmcore, $dmesg, $format, $compression, $size, $mtime,
                $release, $crash, $host, $cpus, $level, $panic, $trace, $complete, $reason,
                $generation, $error, $build, $total, $key, $now, $now, $title, $signature, $note)
            ON CONFLICT(id) DO UPDATE SET
                sha256 = CASE WHEN dumps.vmcore_path IS excluded.vmcore_path AND dumps.file_size IS excluded.file_size AND dumps.file_mtime IS excluded.file_mtime THEN dumps.sha256 ELSE NULL END,
                sha256_at = CASE WHEN dumps.vmcore_path IS excluded.vmcore_path AND dumps.file_size IS excluded.file_size AND dumps.file_mtime IS excluded.file_mtime THEN dumps.sha256_at ELSE NULL END,
                covers_plan = CASE WHEN dumps.vmcore_path IS excluded.vmcore_path AND dumps.file_size IS excluded.file_size AND dumps.file_mtime IS excluded.file_mtime THEN dumps.covers_plan ELSE NULL END,
                directory = excluded.directory, layout = excluded.layout, owned = excluded.owned, vmcore_path = excluded.vmcore_path,
                dmesg_path = excluded.dmesg_path, format = excluded.format, compression = excluded.compression, file_size = excluded.file_size,
                file_mtime = excluded.file_mtime, kernel_release = excluded.kernel_release, crash_time = excluded.crash_time,
                hostname = excluded.hostname, cpu_count = excluded.cpu_count, dump_level = excluded.dump_level,
                panic_summary = excluded.panic_summary, call_trace = excluded.call_trace, complete = excluded.complete,
                incomplete_reason = excluded.incomplete_reason, generation = excluded.generation, header_error = excluded.header_error,
                build_id = excluded.build_id, total_bytes = excluded.total_bytes, scan_key = excluded.scan_key, last_scanned = excluded.last_scanned,
                title = excluded.title, signature = excluded.signature, triage_note = excluded.triage_note;
            """;
        var l = f.Located;
        (string, object?)[] values =
        [
            ("$id", id), ("$directory", l.Directory), ("$layout", l.Layout.ToCatalogName()), ("$owned", l.Owned ? 1 : 0),
            ("$vmcore", l.VmcorePath), ("$dmesg", l.DmesgPath), ("$format", f.Format), ("$compression", f.Compression),
            ("$size", f.FileSize), ("$mtime", f.FileMtime is { } m ? DumpAnalyzer.Iso(m) : null),
            ("$release", f.KernelRelease), ("$crash", f.CrashTime is { } c ? DumpAnalyzer.Iso(c) : null), ("$host", f.Hostname),
            ("$cpus", f.CpuCount), ("$level", f.DumpLevel), ("$panic", f.PanicSummary),
            ("$trace", f.CallTrace.Count == 0 ? null : JsonSerializer.Serialize(f.CallTrace, CatalogJsonContext.Default.IReadOnlyListString)),
            ("$complete", f.Complete ? 1 : 0), ("$reason", f.IncompleteReason), ("$generation", f.Generation),
            ("$error", f.HeaderError), ("$build", f.BuildId), ("$total", f.TotalBytes), ("$key", f.ScanKey), ("$now", now),
            ("$title", f.Title), ("$signature", f.Signature), ("$note", f.TriageNote),
        ];
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
        transaction.Commit();
    }
}
