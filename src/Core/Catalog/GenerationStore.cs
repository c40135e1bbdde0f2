using System.Globalization;
using System.Text;
using System.Text.Json;
using Kdumpd.Core.Dumps;
using Kdumpd.Core.Host;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// The generations table: every load and unload attempt, numbered 1, 2, 3 ... Plain ADO.NET. Arming
/// never waits on it: the records this process wrote are also kept in memory, so a database that
/// fails is not a reason to refuse a load (the number continues from memory), and after the file is
/// rebuilt (<see cref="KdumpdDatabase.Rebuilt"/>) they are recorded again. Every record is also appended
/// to the <see cref="GenerationJournal"/> beside the database, and the generations it holds that the
/// database lacks are imported at start and after every rebuild: no generation is lost, whichever
/// process recorded it and whatever happened to the database file.
/// </summary>
public sealed class GenerationStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, GenerationRecord> _written = [];

    public GenerationStore(KdumpdDatabase database, GenerationJournal? journal = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        Journal = journal ?? GenerationJournal.Beside(database);
        database.Rebuilt += _ => RecordAgain();
        if (System.IO.File.Exists(Journal.Path) && System.IO.File.Exists(database.Path))
        {
            // A database deleted while kdumpd was stopped was created empty at start: fill it from the journal.
            ImportJournal();
        }
    }

    /// <summary>Where every generation is also written, one JSON line each.</summary>
    public GenerationJournal Journal { get; }

    /// <summary>Why the last journal append or import failed (a full disk, a damaged line), or null.</summary>
    public string? JournalProblem { get; private set; }

    private const string Columns = """
        number, started_at, action, triggers, operator_requested, plan_fingerprint, layout, loader, kernel_release,
        kernel_path, kernel_sha256, kernel_size, kernel_mtime, initrd_path, initrd_sha256, initrd_size, initrd_mtime,
        command_line, outcome, error, detail, attempts, duration_ms, unarmed_ms, armed_before, armed_after,
        load_budget_left, reservation_bytes, plan_json, elfcorehdr
        """;

    public KdumpdDatabase Database { get; }

    /// <summary>The number the next recorded generation gets (the capture command line names it before the load).</summary>
    public int NextNumber()
    {
        var fromMemory = MemoryMax() + 1;
        try
        {
            using var connection = Database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT coalesce(max(number), 0) + 1 FROM generations;";
            return Math.Max(checked((int)(long)command.ExecuteScalar()!), fromMemory);
        }
        catch (SqliteException)
        {
            return fromMemory;
        }
    }

    /// <summary>Stores the record; a <see cref="GenerationRecord.Number"/> of 0 takes the next number. Returns the stored record.</summary>
    public GenerationRecord Record(GenerationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var inDatabase = false;
        try
        {
            record = Insert(record);
            inDatabase = true;
        }
        catch (SqliteException)
        {
            // The database failed (it is rebuilt by its own check): the record lives on in memory
            // and is written again once there is a database to write to.
            record = record.Number > 0 ? record : record with { Number = NextNumber() };
        }

        lock (_lock)
        {
            _written[record.Number] = record;
        }

        try
        {
            var (start, end) = Journal.Append(record);
            if (inDatabase)
            {
                AdvanceMark(start, end);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The database (or memory) holds it; the journal is the copy for a database that is lost.
            JournalProblem = e.Message;
        }

        return record;
    }

    /// <summary>
    /// Writes into the database the generations the journal holds and it lacks (a new, rebuilt or
    /// replaced file, or lines another process appended); returns how many. Only the lines past the
    /// database's mark of the journal are read (all of them for a new database or another journal
    /// file). The journal's damaged lines are skipped and named in <see cref="JournalProblem"/>.
    /// </summary>
    public int ImportJournal()
    {
        FileStatus journal;
        JournalContents contents;
        try
        {
            if (!System.IO.File.Exists(Journal.Path))
            {
                return 0;
            }

            journal = FileStatus.OfPath(Journal.Path);
            var from = ReadMark() is { } mark && mark.Device == journal.Device && mark.Inode == journal.Inode && mark.Length <= journal.Size
                ? mark.Length
                : 0;
            if (from == journal.Size)
            {
                return 0; // nothing appended since the database last held the whole journal
            }

            contents = Journal.Read(from);
            if (contents.Skipped.Count > 0)
            {
                JournalProblem = string.Join("; ", contents.Skipped);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            JournalProblem = $"{Journal.Path}: cannot read: {e.Message}";
            return 0;
        }

        var (inserted, complete) = InsertMissing(contents.Records);
        if (complete)
        {
            SaveMark(journal.Device, journal.Inode, contents.End);
        }

        return inserted;
    }

    /// <summary>Writes every generation this process recorded, then the journal's, into a rebuilt database (those it lacks).</summary>
    public int RecordAgain()
    {
        List<GenerationRecord> records;
        lock (_lock)
        {
            records = [.. _written.Values];
        }

        return InsertMissing(records).Inserted + ImportJournal();
    }

    /// <summary>Inserts those of <paramref name="records"/> the database lacks; Complete is false when the database failed part way.</summary>
    private (int Inserted, bool Complete) InsertMissing(IReadOnlyList<GenerationRecord> records)
    {
        if (records.Count == 0)
        {
            return (0, true);
        }

        HashSet<int> present;
        try
        {
            present = Numbers(records.Min(r => r.Number));
        }
        catch (SqliteException)
        {
            return (0, false); // still no usable database: the next rebuild tries again
        }

        var again = 0;
        foreach (var record in records.Where(r => !present.Contains(r.Number)))
        {
            try
            {
                Insert(record);
                again++;
            }
            catch (CatalogException)
            {
                // already there (salvaged from the old file, or inserted by another process meanwhile)
            }
            catch (SqliteException)
            {
                return (again, false); // still no usable database: the next rebuild tries again
            }
        }

        return (again, true);
    }

    private (ulong Device, ulong Inode, long Length)? ReadMark()
    {
        try
        {
            using var connection = Database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT device, inode, length FROM journal_mark WHERE id = 1;";
            using var reader = command.ExecuteReader();
            return reader.Read() ? (unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)), reader.GetInt64(2)) : null;
        }
        catch (SqliteException)
        {
            return null; // read the whole journal: the import finds out whether the database works
        }
    }

    /// <summary>
    /// Moves the mark over the line this process just appended at [start, end), when the mark stood right
    /// before it: the database then holds every generation up to its end, and the next start reads nothing.
    /// A line of another process in between (whose database write may have failed) leaves the mark where it is.
    /// </summary>
    private void AdvanceMark(long start, long end)
    {
        try
        {
            var journal = FileStatus.OfPath(Journal.Path);
            if (start == 0)
            {
                SaveMark(journal.Device, journal.Inode, end); // a new journal holding this line alone
                return;
            }

            using var connection = Database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE journal_mark SET length = $end WHERE id = 1 AND device = $device AND inode = $inode AND length = $start;";
            command.Parameters.AddWithValue("$device", unchecked((long)journal.Device));
            command.Parameters.AddWithValue("$inode", unchecked((long)journal.Inode));
            command.Parameters.AddWithValue("$start", start);
            command.Parameters.AddWithValue("$end", end);
            command.ExecuteNonQuery();
        }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            // The next start reads from the old mark: slower, nothing lost.
        }
    }

    private void SaveMark(ulong device, ulong inode, long length)
    {
        try
        {
            using var connection = Database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO journal_mark (id, device, inode, length) VALUES (1, $device, $inode, $length)
                ON CONFLICT (id) DO UPDATE SET device = excluded.device, inode = excluded.inode, length = excluded.length;
                """;
            command.Parameters.AddWithValue("$device", unchecked((long)device));
            command.Parameters.AddWithValue("$inode", unchecked((long)inode));
            command.Parameters.AddWithValue("$length", length);
            command.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Without the mark the next start reads the whole journal again: slower, nothing lost.
        }
    }

    private HashSet<int> Numbers(int from)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT number FROM generations WHERE number >= $from;";
        command.Parameters.AddWithValue("$from", from);
        using var reader = command.ExecuteReader();
        var numbers = new HashSet<int>();
        while (reader.Read())
        {
            numbers.Add(reader.GetInt32(0));
        }

        return numbers;
    }

    private int MemoryMax()
    {
        lock (_lock)
        {
            return _written.Count == 0 ? 0 : _written.Keys.Max();
        }
    }

    private GenerationRecord Insert(GenerationRecord record)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (record.Number <= 0)
        {
            command.CommandText = "SELECT coalesce(max(number), 0) + 1 FROM generations;";
            record = record with { Number = checked((int)(long)command.ExecuteScalar()!) };
        }

        command.CommandText = $"""
            INSERT INTO generations ({Columns}) VALUES (
            $number, $started_at, $action, $triggers, $operator_requested, $plan_fingerprint, $layout, $loader, $kernel_release,
            $kernel_path, $kernel_sha256, $kernel_size, $kernel_mtime, $initrd_path, $initrd_sha256, $initrd_size, $initrd_mtime,
            $command_line, $outcome, $error, $detail, $attempts, $duration_ms, $unarmed_ms, $armed_before, $armed_after,
            $load_budget_left, $reservation_bytes, $plan_json, $elfcorehdr);
            """;
        var p = command.Parameters;
        p.AddWithValue("$number", record.Number);
        p.AddWithValue("$started_at", Time(record.StartedAt));
        p.AddWithValue("$action", ActionName(record.Action));
        p.AddWithValue("$triggers", TriggersJson(record.Triggers));
        p.AddWithValue("$operator_requested", record.OperatorRequested ? 1 : 0);
        p.AddWithValue("$plan_fingerprint", Db(record.PlanFingerprint));
        p.AddWithValue("$layout", Db(record.Interface));
        p.AddWithValue("$loader", record.Loader);
        p.AddWithValue("$kernel_release", Db(record.KernelRelease));
        AddFile(p, "kernel", record.Kernel);
        AddFile(p, "initrd", record.Initrd);
        p.AddWithValue("$command_line", Db(record.CommandLine));
        p.AddWithValue("$outcome", OutcomeName(record.Outcome));
        p.AddWithValue("$error", Db(record.Error));
        p.AddWithValue("$detail", Db(record.Detail));
        p.AddWithValue("$attempts", record.Attempts);
        p.AddWithValue("$duration_ms", Db(record.DurationMs));
        p.AddWithValue("$unarmed_ms", Db(record.UnarmedMs));
        p.AddWithValue("$armed_before", Db(record.ArmedBefore));
        p.AddWithValue("$armed_after", Db(record.ArmedAfter));
        p.AddWithValue("$load_budget_left", Db(record.LoadBudgetLeft));
        p.AddWithValue("$reservation_bytes", Db(record.ReservationBytes));
        p.AddWithValue("$plan_json", Db(record.PlanJson));
        p.Add("$elfcorehdr", SqliteType.Blob).Value = record.ElfCoreHeader is null ? DBNull.Value : record.ElfCoreHeader;
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new CatalogException(Database.Path, $"generation {record.Number} already exists (another kdumpd recorded it concurrently): {e.Message}");
        }

        transaction.Commit();
        return record;
    }

    public GenerationRecord? Get(int number) =>
        OrFromMemory(() => Query("WHERE number = $n", ("$n", number)), m => m.Where(g => g.Number == number)).SingleOrDefault();

    /// <summary>Newest first; <paramref name="before"/> pages backwards (numbers below it).</summary>
    public IReadOnlyList<GenerationRecord> List(int limit = 50, int? before = null) =>
        before is null
            ? OrFromMemory(() => Query("ORDER BY number DESC LIMIT $limit", ("$limit", limit)), m => m.Reverse().Take(limit))
            : OrFromMemory(() => Query("WHERE number < $before ORDER BY number DESC LIMIT $limit", ("$before", before.Value), ("$limit", limit)),
                m => m.Where(g => g.Number < before.Value).Reverse().Take(limit));

    public GenerationRecord? Latest() => OrFromMemory(() => Query("ORDER BY number DESC LIMIT 1"), m => m.Reverse().Take(1)).SingleOrDefault();

    /// <summary>The newest successful load: the generation the panic kernel came from, unless a later row unloaded it.</summary>
    public GenerationRecord? LatestLoaded() =>
        OrFromMemory(() => Query("WHERE action = 'load' AND outcome = 'loaded' ORDER BY number DESC LIMIT 1"), m => m.Where(g => g.IsLoaded).Reverse().Take(1)).SingleOrDefault();

    /// <summary>While the database fails, what this process recorded answers (the loaded generation above all).</summary>
    private List<GenerationRecord> OrFromMemory(Func<List<GenerationRecord>> query, Func<IEnumerable<GenerationRecord>, IEnumerable<GenerationRecord>> memory)
    {
        try
        {
            return query();
        }
        catch (SqliteException)
        {
            lock (_lock)
            {
                return [.. memory(_written.Values)];
            }
        }
    }

    public int Count()
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM generations;";
        return checked((int)(long)command.ExecuteScalar()!);
    }

    public static string OutcomeName(GenerationOutcome outcome) => outcome switch
    {
        GenerationOutcome.Loaded => "loaded",
        GenerationOutcome.Failed => "failed",
        GenerationOutcome.Refused => "refused",
        GenerationOutcome.Unloaded => "unloaded",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static string ActionName(GenerationAction action) => action == GenerationAction.Unload ? "unload" : "load";

    private List<GenerationRecord> Query(string tail, params (string Name, object Value)[] parameters)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM generations {tail};";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var records = new List<GenerationRecord>();
        while (reader.Read())
        {
            records.Add(Read(reader));
        }

        return records;
    }

    private GenerationRecord Read(SqliteDataReader r)
    {
        var number = r.GetInt32(0);
        return new GenerationRecord
        {
            Number = number,
            StartedAt = ParseTime(r.GetString(1), number, "started_at"),
            Action = r.GetString(2) == "unload" ? GenerationAction.Unload : GenerationAction.Load,
            Triggers = ParseTriggers(r.GetString(3), number),
            OperatorRequested = r.GetInt64(4) != 0,
            PlanFingerprint = Str(r, 5),
            Interface = Str(r, 6),
            Loader = r.GetString(7),
            KernelRelease = Str(r, 8),
            Kernel = File(r, 9, number),
            Initrd = File(r, 13, number),
            CommandLine = Str(r, 17),
            Outcome = ParseOutcome(r.GetString(18), number),
            Error = Str(r, 19),
            Detail = Str(r, 20),
            Attempts = r.GetInt32(21),
            DurationMs = r.IsDBNull(22) ? null : r.GetDouble(22),
            UnarmedMs = r.IsDBNull(23) ? null : r.GetDouble(23),
            ArmedBefore = r.IsDBNull(24) ? null : r.GetInt64(24) != 0,
            ArmedAfter = r.IsDBNull(25) ? null : r.GetInt64(25) != 0,
            LoadBudgetLeft = r.IsDBNull(26) ? null : r.GetInt32(26),
            ReservationBytes = r.IsDBNull(27) ? null : r.GetInt64(27),
            PlanJson = Str(r, 28),
            ElfCoreHeader = r.IsDBNull(29) ? null : (byte[])r.GetValue(29),
        };
    }

    private FileFingerprint? File(SqliteDataReader r, int first, int number) =>
        r.IsDBNull(first)
            ? null
            : new FileFingerprint(
                r.GetString(first),
                r.IsDBNull(first + 2) ? -1 : r.GetInt64(first + 2),
                r.IsDBNull(first + 3) ? DateTimeOffset.MinValue : ParseTime(r.GetString(first + 3), number, "mtime"),
                Str(r, first + 1));

    private static void AddFile(SqliteParameterCollection p, string prefix, FileFingerprint? file)
    {
        p.AddWithValue($"${prefix}_path", Db(file?.Path));
        p.AddWithValue($"${prefix}_sha256", Db(file?.Sha256));
        p.AddWithValue($"${prefix}_size", Db(file?.Size));
        p.AddWithValue($"${prefix}_mtime", file is null ? DBNull.Value : Time(file.ModifiedUtc));
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private DateTimeOffset ParseTime(string text, int number, string column) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CatalogException(Database.Path, $"generation {number}: {column} '{text}' is not an ISO 8601 time");

    private GenerationOutcome ParseOutcome(string text, int number) => text switch
    {
        "loaded" => GenerationOutcome.Loaded,
        "failed" => GenerationOutcome.Failed,
        "refused" => GenerationOutcome.Refused,
        "unloaded" => GenerationOutcome.Unloaded,
        _ => throw new CatalogException(Database.Path, $"generation {number}: unknown outcome '{text}'"),
    };

    private static string TriggersJson(IReadOnlyList<string> triggers)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var trigger in triggers)
            {
                writer.WriteStringValue(trigger);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private List<string> ParseTriggers(string json, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return [.. document.RootElement.EnumerateArray().Select(e => e.GetString() ?? "")];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CatalogException(Database.Path, $"generation {number}: triggers is not a JSON array of strings: {e.Message}");
        }
    }

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static object Db<T>(T? value) => value is null ? DBNull.Value : value;
}
