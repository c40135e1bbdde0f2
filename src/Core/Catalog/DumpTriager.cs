using System.Text.Json;
using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// The catalogue's background triage: dumps the scan listed without a dmesg get it read from
/// their vmcore's printk buffer, then their title, signature and call trace. A row whose
/// directory changed meanwhile (another scan_key) is left for the next run; so is nothing else:
/// every attempt leaves a note, so a vmcore is read once per change.
/// </summary>
internal sealed class DumpTriager(KdumpdDatabase database, ILogger log)
{
    /// <summary>Rows the scan left for triage: a readable vmcore, no dmesg, no title and no note yet.</summary>
    private const string PendingQuery = """
        SELECT id, directory, vmcore_path, layout, owned, scan_key FROM dumps
        WHERE dmesg_path IS NULL AND vmcore_path IS NOT NULL AND header_error IS NULL AND title IS NULL AND triage_note IS NULL
        ORDER BY first_seen, id;
        """;

    /// <summary>Triages every pending dump; returns how many rows were updated.</summary>
    public int TriagePending(CancellationToken cancellationToken = default)
    {
        List<(string Id, string Directory, string Vmcore, bool OwnedKdumpd, string? Key)> pending = [];
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = PendingQuery;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var ownedKdumpd = reader.GetString(3) == DumpLayout.Kdumpd.ToCatalogName() && reader.GetInt64(4) != 0;
                pending.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), ownedKdumpd, reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }

        var updated = 0;
        foreach (var (id, directory, vmcore, ownedKdumpd, key) in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (report, note) = DumpAnalyzer.TriageVmcore(directory, vmcore, ownedKdumpd);
            using var connection = database.Open();
            var trace = report is { CallTrace.Count: > 0 } ? JsonSerializer.Serialize(report.CallTrace, CatalogJsonContext.Default.IReadOnlyListString) : null;
            var n = DumpRows.Execute(connection, """
                UPDATE dumps SET panic_summary = $panic, call_trace = $trace, title = $title, signature = $signature, triage_note = $note
                WHERE id = $id AND scan_key IS $key AND title IS NULL AND triage_note IS NULL;
                """,
                ("$panic", report?.Summary), ("$trace", trace), ("$title", report?.Title), ("$signature", report?.Signature), ("$note", note),
                ("$id", id), ("$key", key));
            updated += n;
            log.Information("Dump {DumpId}: {TriageNote}; title {Title}", id, note, report?.Title ?? "(none)");
        }

        return updated;
    }
}
