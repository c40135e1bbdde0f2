using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Catalog;

/// <summary>The `dumps` table's columns and the small SQL helpers every catalogue job shares.</summary>
internal static class DumpRows
{
    public const string Columns = """
        id, directory, layout, owned, vmcore_path, dmesg_path, format, compression, file_size, file_mtime,
        sha256, sha256_at, kernel_release, crash_time, hostname, cpu_count, dump_level, panic_summary, call_trace,
        complete, incomplete_reason, generation, covers_plan, header_error, build_id, total_bytes, first_seen, last_scanned,
        title, signature, triage_note
        """;

    public static List<DumpRecord> Read(SqliteCommand command)
    {
        var list = new List<DumpRecord>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
            long? L(int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
            DateTimeOffset? T(int i) => r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var trace = S(18) is { } json ? JsonSerializer.Deserialize(json, CatalogJsonContext.Default.StringArray) ?? [] : [];
            list.Add(new DumpRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3) != 0, S(4), S(5), S(6), S(7), L(8), T(9),
                S(10), T(11), S(12), T(13), S(14), (int?)L(15), (int?)L(16), S(17), trace,
                r.GetInt64(19) != 0, S(20), L(21), L(22) is { } cp ? cp != 0 : null, S(23), S(24), L(25), T(26)!.Value, T(27)!.Value, S(28), S(29), S(30)));
        }

        return list;
    }

    public static List<(string, string)> Pairs(SqliteConnection connection, string sql)
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

    public static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] args)
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
