using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Catalog;

/// <summary>
/// Generations outlive the database: each is also a line of the journal beside it, and a new, rebuilt
/// or replaced database gets back every generation, those of earlier processes included (which no
/// process holds in memory any more).
/// </summary>
public sealed class GenerationJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-journal-").FullName;

    private string DbPath => Path.Join(_dir, "kdumpd.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static GenerationRecord Loaded(int number = 0) => new()
    {
        Number = number,
        StartedAt = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero),
        Triggers = ["startup", "memory/online×3"],
        Loader = "kexec-file",
        Interface = "kexec_file_load",
        Kernel = new FileFingerprint("/boot/vmlinuz-6.1.0-27-amd64", 8_123_456, new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero), new string('a', 64)),
        CommandLine = "console=ttyS0 kdumpd.generation=1",
        Outcome = GenerationOutcome.Loaded,
        DurationMs = 412.5,
        ArmedAfter = true,
        PlanJson = """{"fingerprint":"abc"}""",
        ElfCoreHeader = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1],
    };

    /// <summary>What an earlier kdumpd process recorded: a store of its own, gone afterwards.</summary>
    private void RecordInAnEarlierProcess(int count)
    {
        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);
        for (var i = 0; i < count; i++)
        {
            store.Record(Loaded());
        }

        SqliteConnection.ClearAllPools();
    }

    private void DeleteDatabase()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(DbPath + suffix);
        }
    }

    [Fact]
    public void Generations_of_an_earlier_process_come_back_when_the_database_was_deleted_while_kdumpd_was_stopped()
    {
        RecordInAnEarlierProcess(3);
        DeleteDatabase();

        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);

        store.List().Select(g => g.Number).Should().Equal(3, 2, 1);
        store.Get(2).Should().BeEquivalentTo(Loaded(2), "every field comes back: triggers, fingerprints, plan JSON and header bytes");
        store.Record(Loaded()).Number.Should().Be(4, "numbering goes on after the imported generations");
    }

    [Fact]
    public void Generations_of_an_earlier_process_come_back_when_the_database_is_deleted_under_the_running_daemon()
    {
        RecordInAnEarlierProcess(2);
        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);

        DeleteDatabase();
        var third = store.Record(Loaded());

        third.Number.Should().Be(3);
        store.List().Select(g => g.Number).Should().Equal(3, 2, 1);
        store.LatestLoaded()!.PlanJson.Should().Be(Loaded().PlanJson);
    }

    [Fact]
    public void Generations_come_back_from_the_journal_when_the_corrupt_database_cannot_be_salvaged()
    {
        RecordInAnEarlierProcess(3);
        var bytes = File.ReadAllBytes(DbPath);
        Random.Shared.NextBytes(bytes.AsSpan(0, 100));
        File.WriteAllBytes(DbPath, bytes);
        File.Delete(DbPath + "-wal");

        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);

        database.Problem.Should().Contain("moved aside");
        store.List().Select(g => g.Number).Should().Equal(3, 2, 1);
    }

    [Fact]
    public void A_line_cut_short_by_a_crash_is_skipped_and_named_and_the_whole_ones_are_imported()
    {
        RecordInAnEarlierProcess(2);
        var journal = GenerationJournal.Beside(new KdumpdDatabase(DbPath));
        var whole = File.ReadAllLines(journal.Path);
        File.AppendAllText(journal.Path, whole[0][..(whole[0].Length / 2)]);
        DeleteDatabase();

        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);

        store.List().Select(g => g.Number).Should().Equal(2, 1);
        store.JournalProblem.Should().Contain($"{journal.Path}:3:").And.Contain("not a whole generation record");
    }

    private GenerationStore OpenStore()
    {
        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        return new GenerationStore(database);
    }

    /// <summary>Overwrites the journal's first line in place, same length, so that it no longer parses.</summary>
    private static void DamageFirstLineInPlace(string journal)
    {
        using var stream = new FileStream(journal, FileMode.Open, FileAccess.Write);
        stream.Write("#####"u8);
    }

    [Fact]
    public void A_start_reads_only_the_lines_appended_since_the_database_last_held_the_whole_journal()
    {
        RecordInAnEarlierProcess(3);
        OpenStore(); // the database holds the journal: its mark is set
        SqliteConnection.ClearAllPools();
        var journal = GenerationJournal.Beside(new KdumpdDatabase(DbPath));
        DamageFirstLineInPlace(journal.Path);
        journal.Append(Loaded(4)); // a process whose database insert failed: the journal alone has it

        var store = OpenStore();

        store.List().Select(g => g.Number).Should().Equal(4, 3, 2, 1);
        store.JournalProblem.Should().BeNull("the damaged line lies before the mark and was not read again");
    }

    [Fact]
    public void After_a_process_recorded_generations_the_next_start_reads_none_of_them_again()
    {
        RecordInAnEarlierProcess(3); // each record moves the mark over its own line
        DamageFirstLineInPlace(GenerationJournal.Beside(new KdumpdDatabase(DbPath)).Path);

        var store = OpenStore();

        store.JournalProblem.Should().BeNull("every line lies before the mark");
        store.List().Select(g => g.Number).Should().Equal(3, 2, 1);
    }

    [Fact]
    public void The_mark_does_not_pass_a_line_of_another_process_that_the_database_lacks()
    {
        RecordInAnEarlierProcess(2);
        var journal = GenerationJournal.Beside(new KdumpdDatabase(DbPath));
        journal.Append(Loaded(3)); // another process: its database insert failed
        var store = OpenStore(); // imports 3 and marks the whole journal
        journal.Append(Loaded(4)); // and again, while this store runs
        store.Record(Loaded(5));
        SqliteConnection.ClearAllPools();

        var next = OpenStore();

        next.List().Select(g => g.Number).Should().Equal(5, 4, 3, 2, 1);
    }

    [Fact]
    public void A_journal_replaced_by_another_file_is_read_whole()
    {
        RecordInAnEarlierProcess(2);
        OpenStore();
        SqliteConnection.ClearAllPools();
        var journal = GenerationJournal.Beside(new KdumpdDatabase(DbPath));
        var copy = journal.Path + ".new";
        File.Copy(journal.Path, copy);
        DamageFirstLineInPlace(copy);
        File.Move(copy, journal.Path, overwrite: true); // another inode, as a restore from backup gives

        var store = OpenStore();

        store.JournalProblem.Should().Contain($"{journal.Path}:1:").And.Contain("not a whole generation record");
        store.List().Select(g => g.Number).Should().Equal(2, 1);
    }

    [Fact]
    public void Lines_read_from_the_middle_of_the_journal_are_named_by_their_byte_offset()
    {
        RecordInAnEarlierProcess(1);
        var journal = GenerationJournal.Beside(new KdumpdDatabase(DbPath));
        var end = new FileInfo(journal.Path).Length;
        File.AppendAllText(journal.Path, "{\"Number\":\n");
        journal.Append(Loaded(2));

        var contents = journal.Read(end);

        contents.Records.Select(r => r.Number).Should().Equal(2);
        contents.Skipped.Should().ContainSingle().Which.Should().StartWith($"{journal.Path}: byte {end}: not a whole generation record");
        contents.End.Should().Be(new FileInfo(journal.Path).Length);
    }

    [Fact]
    public void The_journal_is_named_after_the_database_readable_by_root_only_and_one_line_per_generation()
    {
        RecordInAnEarlierProcess(2);

        var path = Path.Join(_dir, "kdumpd" + GenerationJournal.Extension);
        File.Exists(path).Should().BeTrue();
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.ReadAllLines(path).Should().HaveCount(2).And.AllSatisfy(l => l.Should().StartWith("{").And.Contain("\"Outcome\":\"Loaded\""));
    }
}
