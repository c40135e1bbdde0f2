namespace Kdumpd.Core.Egress;

/// <summary>An S3 part the target acknowledged: its number, size and ETag.</summary>
public sealed record UploadedPart(int Number, long Size, string ETag);

/// <summary>
/// The resume point of one file on one target, written as the target acknowledges each part so a
/// restart (or a killed daemon) sends only what the target does not hold. Bound to the file's size
/// and SHA-256: a changed file starts over.
/// </summary>
public sealed class EgressFileJournal
{
    private readonly EgressStateStore _store;
    private readonly string _dumpId;
    private readonly string _target;
    private readonly string _name;

    private EgressFileJournal(EgressStateStore store, string dumpId, string target, string name)
    {
        _store = store;
        _dumpId = dumpId;
        _target = target;
        _name = name;
    }

    public string? UploadId { get; private set; }

    public long BytesDone { get; private set; }

    public bool Verified { get; private set; }

    internal static EgressFileJournal Open(EgressStateStore store, string dumpId, string target, EgressFile file)
    {
        var journal = new EgressFileJournal(store, dumpId, target, file.Name);
        using var connection = store.Database.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT size, sha256, upload_id, bytes_done, verified FROM egress_files WHERE dump_id = $d AND target = $t AND name = $n;";
            command.Parameters.AddWithValue("$d", dumpId);
            command.Parameters.AddWithValue("$t", target);
            command.Parameters.AddWithValue("$n", file.Name);
            using var r = command.ExecuteReader();
            if (r.Read() && r.GetInt64(0) == file.Size && r.GetString(1) == file.Sha256)
            {
                journal.UploadId = r.IsDBNull(2) ? null : r.GetString(2);
                journal.BytesDone = r.GetInt64(3);
                journal.Verified = r.GetInt64(4) != 0;
                return journal;
            }
        }

        EgressStateStore.Execute(connection, "DELETE FROM egress_parts WHERE dump_id = $d AND target = $t AND name = $n;", ("$d", dumpId), ("$t", target), ("$n", file.Name));
        EgressStateStore.Execute(connection, """
            INSERT INTO egress_files (dump_id, target, name, size, sha256) VALUES ($d, $t, $n, $size, $sha)
            ON CONFLICT DO UPDATE SET size = $size, sha256 = $sha, upload_id = NULL, bytes_done = 0, verified = 0;
            """, ("$d", dumpId), ("$t", target), ("$n", file.Name), ("$size", file.Size), ("$sha", file.Sha256));
        return journal;
    }

    /// <summary>Parts of the current multipart upload the target acknowledged, by number.</summary>
    public IReadOnlyList<UploadedPart> Parts()
    {
        if (UploadId is null)
        {
            return [];
        }

        using var connection = _store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT number, size, etag FROM egress_parts WHERE dump_id = $d AND target = $t AND name = $n AND upload_id = $u ORDER BY number;";
        command.Parameters.AddWithValue("$d", _dumpId);
        command.Parameters.AddWithValue("$t", _target);
        command.Parameters.AddWithValue("$n", _name);
        command.Parameters.AddWithValue("$u", UploadId);
        using var r = command.ExecuteReader();
        var parts = new List<UploadedPart>();
        while (r.Read())
        {
            parts.Add(new UploadedPart(checked((int)r.GetInt64(0)), r.GetInt64(1), r.GetString(2)));
        }

        return parts;
    }

    public void StartUpload(string uploadId)
    {
        UploadId = uploadId;
        Update("UPDATE egress_files SET upload_id = $v WHERE dump_id = $d AND target = $t AND name = $n;", uploadId);
        _store.Execute("DELETE FROM egress_parts WHERE dump_id = $d AND target = $t AND name = $n AND upload_id <> $u;",
            ("$d", _dumpId), ("$t", _target), ("$n", _name), ("$u", uploadId));
    }

    public void AddPart(UploadedPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var uploadId = UploadId ?? throw new InvalidOperationException("no multipart upload in progress");
        _store.Execute("INSERT OR REPLACE INTO egress_parts (dump_id, target, name, upload_id, number, size, etag) VALUES ($d, $t, $n, $u, $num, $size, $etag);",
            ("$d", _dumpId), ("$t", _target), ("$n", _name), ("$u", uploadId), ("$num", part.Number), ("$size", part.Size), ("$etag", part.ETag));
    }

    public void SetBytesDone(long bytes)
    {
        BytesDone = bytes;
        Update("UPDATE egress_files SET bytes_done = $v WHERE dump_id = $d AND target = $t AND name = $n;", bytes);
    }

    public void MarkVerified()
    {
        Verified = true;
        Update("UPDATE egress_files SET verified = $v, upload_id = NULL WHERE dump_id = $d AND target = $t AND name = $n;", 1);
        _store.Execute("DELETE FROM egress_parts WHERE dump_id = $d AND target = $t AND name = $n;", ("$d", _dumpId), ("$t", _target), ("$n", _name));
    }

    /// <summary>Forget every resume point: the target's copy was wrong and is sent again whole.</summary>
    public void Reset()
    {
        UploadId = null;
        BytesDone = 0;
        Verified = false;
        _store.Execute("UPDATE egress_files SET upload_id = NULL, bytes_done = 0, verified = 0 WHERE dump_id = $d AND target = $t AND name = $n;",
            ("$d", _dumpId), ("$t", _target), ("$n", _name));
        _store.Execute("DELETE FROM egress_parts WHERE dump_id = $d AND target = $t AND name = $n;", ("$d", _dumpId), ("$t", _target), ("$n", _name));
    }

    private void Update(string sql, object value) =>
        _store.Execute(sql, ("$d", _dumpId), ("$t", _target), ("$n", _name), ("$v", value));
}
