using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// The dump catalogue: scans a dump directory into the `dumps` table (idempotent, incremental,
/// one transaction per dump so an interrupted scan leaves a usable database the next scan
/// completes), hashes vmcores in the background, answers queries, deletes owned dumps and applies
/// retention. Foreign dumps (Fedora, Debian, SUSE) are read, never modified.
/// </summary>
public sealed class DumpCatalog
{
    public const string DefaultDumpDirectory = "/var/crash";
    public const string DefaultDatabasePath = "/var/lib/kdumpd/kdumpd.db";

    /// <summary>Hash read buffer: bounded, large enough to stream at disk speed.</summary>
    public const int HashBufferBytes = 1 << 20;

    private const string Columns = """
        id, directory, layout, owned, vmcore_path, dmesg_path, format, compression, file_size, file_mtime,
        sha256, sha256_at, kernel_release, crash_time, hostname, cpu_count, dump_level, panic_summary, call_trace,
        complete, incomplete_reason, generation, covers_plan, header_error, build_id, total_bytes, first_seen, last_scanned
        """;

    private readonly KdumpdDatabase _database;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Func<string, long> _freeSpace;

    public DumpCatalog(KdumpdDatabase database, string dumpDirectory, ILogger? logger = null, TimeProvider? time = null, Func<string, long>? freeSpace = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(dumpDirectory);
        _database = database;
        DumpDirectory = Path.GetFullPath(dumpDirectory);
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<DumpCatalog>();
        _time = time ?? TimeProvider.System;
        _freeSpace = freeSpace ?? (dir => new DriveInfo(dir).AvailableFreeSpace);
    }

    public string DumpDirectory { get; }

    /// <summary>Opens (creating and migrating if needed) the database and returns a catalogue over the dump directory.</summary>
    public static DumpCatalog Open(string databasePath, string dumpDirectory, ILogger? logger = null, TimeProvider? time = null)
    {
        var database = new KdumpdDatabase(databasePath);
        database.Migrate();
        return new DumpCatalog(database, dumpDirectory, logger, time);
    }

    public Task<DumpScanResult> ScanAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => Scan(cancellationToken), cancellationToken);

    /// <summary>
    /// Finds every dump directory and brings its row up to date. Unchanged directories (same file
    /// names, sizes and mtimes) are skipped; rows of directories that are gone are removed.
    /// Cancellation stops between two dumps: every row already written stays valid.
    /// </summary>
    public DumpScanResult Scan(CancellationToken cancellationToken = default)
    {
        var located = DumpLocator.Locate(DumpDirectory);
        var known = new Dictionary<string, string?>(StringComparer.Ordinal);
        using var connection = _database.Open();
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
                _log.Warning("Dump {DumpId} in {Directory}: header unreadable: {HeaderError}", id, dump.Directory, facts.HeaderError);
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
        foreach (var (id, directory) in Rows(connection, "SELECT id, directory FROM dumps;"))
        {
            if (!seen.Contains(id) && IsUnder(directory) && !Directory.Exists(directory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                Execute(connection, "DELETE FROM dumps WHERE id = $id;", ("$id", id));
                removed++;
                _log.Information("Dump {DumpId} in {Directory} is gone from disk; removed from the catalogue", id, directory);
            }
        }

        var result = new DumpScanResult(located.Count, added, updated, unchanged, removed, unreadable);
        // The daemon rescans every minute: an unchanged directory is not news.
        var level = result.Added + result.Updated + result.Removed + result.Unreadable > 0 ? Serilog.Events.LogEventLevel.Information : Serilog.Events.LogEventLevel.Debug;
        _log.Write(level, "Scanned {DumpDirectory}: {Found} dumps, {Added} added, {Updated} updated, {Unchanged} unchanged, {Removed} removed, {Unreadable} unreadable",
            DumpDirectory, result.Found, result.Added, result.Updated, result.Unchanged, result.Removed, result.Unreadable);
        return result;
    }

    public Task<int> HashPendingAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => HashPending(cancellationToken), cancellationToken);

    /// <summary>
    /// Computes SHA-256 of every vmcore whose row has none, streaming with a bounded buffer. A file
    /// that changed while being hashed is left for the next run. Returns the number stored.
    /// </summary>
    public int HashPending(CancellationToken cancellationToken = default)
    {
        List<(string Id, string Path, long Size, string Mtime)> pending = [];
        using (var connection = _database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, vmcore_path, file_size, file_mtime FROM dumps WHERE sha256 IS NULL AND vmcore_path IS NOT NULL AND file_size IS NOT NULL AND file_mtime IS NOT NULL ORDER BY first_seen, id;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                pending.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }

        var stored = 0;
        var buffer = new byte[HashBufferBytes];
        foreach (var (id, path, size, mtime) in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (!SameFile(path, size, mtime))
                {
                    continue;
                }

                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
                {
                    int n;
                    while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        sha.AppendData(buffer, 0, n);
                    }
                }

                if (!SameFile(path, size, mtime))
                {
                    continue;
                }

                var hex = Convert.ToHexStringLower(sha.GetHashAndReset());
                using var connection = _database.Open();
                var rows = Execute(connection, "UPDATE dumps SET sha256 = $sha, sha256_at = $at WHERE id = $id AND file_size = $size AND file_mtime = $mtime AND sha256 IS NULL;",
                    ("$sha", hex), ("$at", DumpAnalyzer.Iso(_time.GetUtcNow())), ("$id", id), ("$size", size), ("$mtime", mtime));
                if (rows == 1)
                {
                    stored++;
                    _log.Information("Dump {DumpId}: SHA-256 of {Path} ({Bytes} bytes) is {Sha256}", id, path, size, hex);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("Dump {DumpId}: cannot hash {Path}: {Error}", id, path, e.Message);
            }
        }

        return stored;
    }

    /// <summary>Dumps matching the filters, newest crash first, one page.</summary>
    public DumpPage List(DumpQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        var args = new List<(string, object?)>();
        if (query.Since is { } since)
        {
            where.Add("crash_time >= $since");
            args.Add(("$since", DumpAnalyzer.Iso(since)));
        }

        if (query.KernelRelease is { } release)
        {
            where.Add("kernel_release = $release");
            args.Add(("$release", release));
        }

        if (query.Complete is { } complete)
        {
            where.Add("complete = $complete");
            args.Add(("$complete", complete ? 1 : 0));
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        using var connection = _database.Open();
        int total;
        using (var count = connection.CreateCommand())
        {
            count.CommandText = $"SELECT count(*) FROM dumps {filter};";
            foreach (var (name, value) in args)
            {
                count.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            total = checked((int)(long)count.ExecuteScalar()!);
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM dumps {filter} ORDER BY coalesce(crash_time, first_seen) DESC, id LIMIT $limit OFFSET $offset;";
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 0, 10_000));
        command.Parameters.AddWithValue("$offset", Math.Max(query.Offset, 0));
        return new DumpPage(ReadRecords(command), total);
    }

    /// <summary>Every row, for retention (no paging limit).</summary>
    private List<DumpRecord> All()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM dumps ORDER BY coalesce(crash_time, first_seen) DESC, id;";
        return ReadRecords(command);
    }

    /// <summary>The dump with that id, or null.</summary>
    public DumpRecord? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM dumps WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return ReadRecords(command).SingleOrDefault();
    }

    /// <summary>
    /// Deletes a dump kdumpd owns: its directory, then its row. A foreign dump is refused with
    /// <see cref="DumpCatalogError.NotOwned"/>: kdumpd never removes what it did not write.
    /// </summary>
    public DumpRecord Delete(string id, string reason = "requested")
    {
        var record = Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id} in the catalogue of {DumpDirectory}");
        if (!record.Owned || record.Layout != DumpLayout.Kdumpd.ToCatalogName())
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned,
                $"dump {id} in {record.Directory} was written by {record.Layout}, not kdumpd: kdumpd does not delete it; remove it by hand if you are sure");
        }

        if (Directory.Exists(record.Directory) && !File.Exists(Path.Join(record.Directory, DumpLocator.KdumpdMetadata)))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned, $"{record.Directory} no longer holds kdumpd.json: not deleted (rescan, then decide by hand)");
        }

        if (!IsUnder(record.Directory))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotOwned, $"dump {id} in {record.Directory} is outside the dump directory {DumpDirectory}: not deleted");
        }

        try
        {
            if (Directory.Exists(record.Directory))
            {
                Directory.Delete(record.Directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DumpCatalogException(id, DumpCatalogError.DeleteFailed, $"cannot remove {record.Directory}: {e.Message}", e);
        }

        using var connection = _database.Open();
        Execute(connection, "DELETE FROM dumps WHERE id = $id;", ("$id", id));
        _log.Information("Deleted dump {DumpId} in {Directory} ({Bytes} bytes, crashed {CrashTime}): {Reason}", id, record.Directory, record.TotalBytes, record.CrashTime, reason);
        return record;
    }

    /// <summary>
    /// Deletes complete dumps kdumpd owns, oldest first, until the newest-N count, the byte budget
    /// (all catalogued dumps count towards it) and the free-space floor are met. The newest
    /// complete owned dump is never deleted, nor one the policy's hold keeps (egress). Returns what
    /// was deleted; each deletion is logged.
    /// </summary>
    public IReadOnlyList<DumpRecord> ApplyRetention(RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var all = All();
        var candidates = all.Where(d => d.Owned && d.Complete && d.Layout == DumpLayout.Kdumpd.ToCatalogName())
            .OrderBy(d => d.CrashTime ?? d.FirstSeen).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        var deletable = candidates.Count > 0 ? candidates[..^1] : [];
        var ownedCount = candidates.Count;
        var totalBytes = all.Sum(d => d.TotalBytes ?? 0);
        var deleted = new List<DumpRecord>();
        foreach (var dump in deletable)
        {
            string? why = null;
            if (policy.KeepNewest is { } keep && ownedCount > keep)
            {
                why = $"retention: {ownedCount} dumps, keep the newest {keep}";
            }
            else if (policy.MaxTotalBytes is { } budget && totalBytes > budget)
            {
                why = $"retention: dumps use {totalBytes} bytes, budget {budget}";
            }
            else if (policy.MinFreeBytes is { } floor && FreeSpace() is { } free && free < floor)
            {
                why = $"retention: {free} bytes free, floor {floor}";
            }

            if (why is null)
            {
                break;
            }

            if (policy.Hold?.Invoke(dump.Id) is { } held)
            {
                _log.Information("Retention keeps dump {DumpId} ({Why}): {Held}", dump.Id, why, held);
                continue;
            }

            try
            {
                deleted.Add(Delete(dump.Id, why));
                ownedCount--;
                totalBytes -= dump.TotalBytes ?? 0;
            }
            catch (DumpCatalogException e)
            {
                _log.Warning("Retention could not delete dump {DumpId}: {Error}", dump.Id, e.Message);
            }
        }

        if (policy.MinFreeBytes is { } minFree && FreeSpace() is { } left && left < minFree)
        {
            _log.Warning("Retention: {Free} bytes free in {DumpDirectory} is below the floor {Floor} and no more owned dumps may be deleted", left, DumpDirectory, minFree);
        }

        return deleted;
    }

    /// <summary>
    /// The daemon's periodic job (and its start-up step): scan, apply retention when a policy is
    /// given, then hash what has no SHA-256 yet.
    /// </summary>
    public async Task<DumpMaintenanceResult> MaintainAsync(RetentionPolicy? retention, CancellationToken cancellationToken = default)
    {
        var scan = await ScanAsync(cancellationToken);
        var deleted = retention is null ? [] : await Task.Run(() => ApplyRetention(retention), cancellationToken);
        var hashed = await HashPendingAsync(cancellationToken);
        return new DumpMaintenanceResult(scan, deleted, hashed);
    }

    /// <summary>
    /// Opens a dump's vmcore for download (read-only, shared), with its row; the path comes from
    /// the catalogue, never from the caller.
    /// </summary>
    public (DumpRecord Dump, FileStream Vmcore) OpenVmcore(string id)
    {
        var record = Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id}");
        if (record.VmcorePath is null || !File.Exists(record.VmcorePath))
        {
            throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"dump {id} has no vmcore file on disk");
        }

        var stream = new FileStream(record.VmcorePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return (record, stream);
    }

    /// <summary>
    /// Whether the dump's memory ranges cover a plan's PT_LOAD ranges (physical start, size):
    /// ELF dumps by their PT_LOADs, kdump-compressed dumps by the 1st bitmap; null when unknown.
    /// The answer is stored in covers_plan.
    /// </summary>
    public bool? EvaluateCoverage(string id, IReadOnlyList<PhysicalRange> plan)
    {
        var record = Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id}");
        bool? covers = record.VmcorePath is null ? null : DumpCoverage.Evaluate(record.VmcorePath, plan);
        using var connection = _database.Open();
        Execute(connection, "UPDATE dumps SET covers_plan = $c WHERE id = $id;", ("$c", covers is null ? null : covers.Value ? 1 : 0), ("$id", id));
        return covers;
    }

    private long? FreeSpace()
    {
        try
        {
            return _freeSpace(DumpDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private bool IsUnder(string directory) =>
        directory.StartsWith(DumpDirectory.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static bool SameFile(string path, long size, string mtime)
    {
        var fi = DumpAnalyzer.Resolve(new FileInfo(path));
        return fi.Exists && fi.Length == size && DumpAnalyzer.Iso(new DateTimeOffset(fi.LastWriteTimeUtc, TimeSpan.Zero)) == mtime;
    }

    private void Upsert(SqliteConnection connection, string id, DumpFacts f)
    {
        var now = DumpAnalyzer.Iso(_time.GetUtcNow());
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO dumps (id, directory, layout, owned, vmcore_path, dmesg_path, format, compression, file_size, file_mtime,
                kernel_release, crash_time, hostname, cpu_count, dump_level, panic_summary, call_trace, complete, incomplete_reason,
                generation, header_error, build_id, total_bytes, scan_key, first_seen, last_scanned)
            VALUES ($id, $directory, $layout, $owned, $vmcore, $dmesg, $format, $compression, $size, $mtime,
                $release, $crash, $host, $cpus, $level, $panic, $trace, $complete, $reason,
                $generation, $error, $build, $total, $key, $now, $now)
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
                build_id = excluded.build_id, total_bytes = excluded.total_bytes, scan_key = excluded.scan_key, last_scanned = excluded.last_scanned;
            """;
        var l = f.Located;
        (string, object?)[] values =
        [
            ("$id", id), ("$directory", l.Directory), ("$layout", l.Layout.ToCatalogName()), ("$owned", l.Owned ? 1 : 0),
            ("$vmcore", l.VmcorePath), ("$dmesg", l.DmesgPath), ("$format", f.Format), ("$compression", f.Compression),
            ("$size", f.FileSize), ("$mtime", f.FileMtime is { } m ? DumpAnalyzer.Iso(m) : null),
            ("$release", f.KernelRelease), ("$crash", f.CrashTime is { } c ? DumpAnalyzer.Iso(c) : null), ("$host", f.Hostname),
            ("$cpus", f.CpuCount), ("$level", f.DumpLevel), ("$panic", f.PanicSummary),
            ("$trace", f.CallTrace.Count == 0 ? null : JsonSerializer.Serialize(f.CallTrace)),
            ("$complete", f.Complete ? 1 : 0), ("$reason", f.IncompleteReason), ("$generation", f.Generation),
            ("$error", f.HeaderError), ("$build", f.BuildId), ("$total", f.TotalBytes), ("$key", f.ScanKey), ("$now", now),
        ];
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
        transaction.Commit();
    }

    private static List<DumpRecord> ReadRecords(SqliteCommand command)
    {
        var list = new List<DumpRecord>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
            long? L(int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
            DateTimeOffset? T(int i) => r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var trace = S(18) is { } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
            list.Add(new DumpRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3) != 0, S(4), S(5), S(6), S(7), L(8), T(9),
                S(10), T(11), S(12), T(13), S(14), (int?)L(15), (int?)L(16), S(17), trace,
                r.GetInt64(19) != 0, S(20), L(21), L(22) is { } cp ? cp != 0 : null, S(23), S(24), L(25), T(26)!.Value, T(27)!.Value));
        }

        return list;
    }

    private static List<(string, string)> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var r = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (r.Read())
        {
            rows.Add((r.GetString(0), r.GetString(1)));
        }

        return rows;
    }

    private static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] args)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command.ExecuteNonQuery();
    }
}
