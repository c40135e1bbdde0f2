namespace Kdumpd.Core.Catalog;

/// <summary>Reads rows of the `dumps` table: pages for the API and CLI, one dump by id, all of them for retention.</summary>
internal sealed class DumpQueries(KdumpdDatabase database)
{
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

        if (query.Signature is { } signature)
        {
            where.Add("signature = $signature");
            args.Add(("$signature", signature));
        }

        if (query.Complete is { } complete)
        {
            where.Add("complete = $complete");
            args.Add(("$complete", complete ? 1 : 0));
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        using var connection = database.Open();
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
        command.CommandText = $"SELECT {DumpRows.Columns} FROM dumps {filter} ORDER BY coalesce(crash_time, first_seen) DESC, id LIMIT $limit OFFSET $offset;";
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 0, 10_000));
        command.Parameters.AddWithValue("$offset", Math.Max(query.Offset, 0));
        return new DumpPage(DumpRows.Read(command), total);
    }

    /// <summary>Every row, for retention (no paging limit).</summary>
    public List<DumpRecord> All()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DumpRows.Columns} FROM dumps ORDER BY coalesce(crash_time, first_seen) DESC, id;";
        return DumpRows.Read(command);
    }

    /// <summary>Dumps grouped by crash signature, the most recently seen group first.</summary>
    public IReadOnlyList<CrashGroup> Groups()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT signature, max(title), count(*), min(coalesce(crash_time, first_seen)), max(coalesce(crash_time, first_seen)),
                group_concat(DISTINCT kernel_release)
            FROM dumps WHERE signature IS NOT NULL
            GROUP BY signature ORDER BY max(coalesce(crash_time, first_seen)) DESC, signature;
            """;
        using var r = command.ExecuteReader();
        var groups = new List<CrashGroup>();
        while (r.Read())
        {
            DateTimeOffset T(int i) => DateTimeOffset.Parse(r.GetString(i), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
            var releases = r.IsDBNull(5) ? [] : r.GetString(5).Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
            groups.Add(new CrashGroup(r.GetString(0), r.GetString(1), r.GetInt32(2), T(3), T(4), releases));
        }

        return groups;
    }

    /// <summary>The dump with that id, or null.</summary>
    public DumpRecord? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DumpRows.Columns} FROM dumps WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return DumpRows.Read(command).SingleOrDefault();
    }
}
