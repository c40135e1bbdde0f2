using System.Globalization;
using Kdumpd.Core.Catalog;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Egress;

/// <summary>
/// The catalogue's egress tables: per dump and target the state operators see (pending,
/// uploading with bytes done, verified with the location, failed with the reason), and per file
/// the resume point (<see cref="EgressFileJournal"/>).
/// </summary>
public sealed class EgressStateStore(KdumpdDatabase database, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    internal KdumpdDatabase Database => database;

    /// <summary>Every (dump, target) row, grouped by dump id.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<EgressStatus>> All()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM egress ORDER BY dump_id, target;";
        return Read(command).GroupBy(s => s.DumpId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<EgressStatus>)[.. g], StringComparer.Ordinal);
    }

    public IReadOnlyList<EgressStatus> ForDump(string dumpId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM egress WHERE dump_id = $id ORDER BY target;";
        command.Parameters.AddWithValue("$id", dumpId);
        return Read(command);
    }

    public EgressStatus? Get(string dumpId, string target) =>
        ForDump(dumpId).FirstOrDefault(s => s.Target == target);

    /// <summary>Records a dump as waiting for a target (no-op when it already has a row).</summary>
    public void EnsurePending(string dumpId, string target, long bytesTotal) =>
        Execute("INSERT INTO egress (dump_id, target, state, bytes_total, updated_at) VALUES ($d, $t, 'pending', $total, $now) ON CONFLICT DO NOTHING;",
            ("$d", dumpId), ("$t", target), ("$total", bytesTotal), ("$now", Now()));

    public void Begin(string dumpId, string target, long bytesTotal) =>
        Execute("""
            INSERT INTO egress (dump_id, target, state, bytes_total, attempts, updated_at) VALUES ($d, $t, 'uploading', $total, 1, $now)
            ON CONFLICT DO UPDATE SET state = 'uploading', bytes_total = $total, reason = NULL, location = NULL, verified_at = NULL,
                attempts = egress.attempts + 1, updated_at = $now;
            """, ("$d", dumpId), ("$t", target), ("$total", bytesTotal), ("$now", Now()));

    /// <summary>Bytes the target acknowledged so far (a resumed upload starts where the last one stopped).</summary>
    public void Progress(string dumpId, string target, long bytesDone) =>
        Execute("UPDATE egress SET bytes_done = $done, updated_at = $now WHERE dump_id = $d AND target = $t;",
            ("$d", dumpId), ("$t", target), ("$done", bytesDone), ("$now", Now()));

    /// <summary>Bytes put on the wire, resends included: what "no byte sent twice" is checked against.</summary>
    public void AddSent(string dumpId, string target, long bytes) =>
        Execute("UPDATE egress SET bytes_sent = bytes_sent + $n WHERE dump_id = $d AND target = $t;",
            ("$d", dumpId), ("$t", target), ("$n", bytes));

    public void Verified(string dumpId, string target, string location) =>
        Execute("UPDATE egress SET state = 'verified', bytes_done = coalesce(bytes_total, bytes_done), location = $loc, reason = NULL, updated_at = $now, verified_at = $now WHERE dump_id = $d AND target = $t;",
            ("$d", dumpId), ("$t", target), ("$loc", location), ("$now", Now()));

    public void Failed(string dumpId, string target, string reason) =>
        Execute("UPDATE egress SET state = 'failed', reason = $r, updated_at = $now WHERE dump_id = $d AND target = $t;",
            ("$d", dumpId), ("$t", target), ("$r", reason), ("$now", Now()));

    /// <summary>An operator's retry: a failed or verified dump goes back to pending (its resume points stay).</summary>
    public void Requeue(string dumpId, string target) =>
        Execute("UPDATE egress SET state = 'pending', reason = NULL, updated_at = $now WHERE dump_id = $d AND target = $t AND state <> 'uploading';",
            ("$d", dumpId), ("$t", target), ("$now", Now()));

    /// <summary>At start no upload runs: rows left 'uploading' by a killed daemon are resumable, so pending.</summary>
    public int RecoverInterrupted() =>
        Execute("UPDATE egress SET state = 'pending', updated_at = $now WHERE state = 'uploading';", ("$now", Now()));

    /// <summary>The resume point of one file of a dump on a target; reset when the file changed.</summary>
    public EgressFileJournal Journal(string dumpId, string target, EgressFile file) =>
        EgressFileJournal.Open(this, dumpId, target, file);

    internal string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    internal int Execute(string sql, params (string Name, object? Value)[] args)
    {
        using var connection = database.Open();
        return Execute(connection, sql, args);
    }

    internal static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] args)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command.ExecuteNonQuery();
    }

    private const string Columns = "dump_id, target, state, bytes_done, bytes_total, bytes_sent, location, reason, attempts, updated_at, verified_at";

    private static List<EgressStatus> Read(SqliteCommand command)
    {
        var list = new List<EgressStatus>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            DateTimeOffset? T(int i) => r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            list.Add(new EgressStatus(
                r.GetString(0), r.GetString(1), EgressStateNames.Parse(r.GetString(2)), r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetInt64(4), r.GetInt64(5), r.IsDBNull(6) ? null : r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7), checked((int)r.GetInt64(8)), T(9)!.Value, T(10)));
        }

        return list;
    }
}
