using Kdumpd.Core.Catalog;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Catalog;

/// <summary>The catalogue database is rebuildable: a broken or vanished file is moved aside and rebuilt, never fatal.</summary>
public sealed class DatabaseRecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-dbfault-").FullName;

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
        Loader = "dry-run",
        Outcome = GenerationOutcome.Loaded,
    };

    /// <summary>A real database with three generations and enough rows to span several pages, then damaged.</summary>
    private void WriteDamagedDatabase(string damage)
    {
        var database = new KdumpdDatabase(DbPath);
        database.Migrate();
        var store = new GenerationStore(database);
        for (var i = 0; i < 3; i++)
        {
            store.Record(Loaded() with { PlanJson = new string('x', 3000) });
        }

        using (var connection = database.Open())
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;";
            checkpoint.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(DbPath);
        switch (damage)
        {
            case "header":
                Random.Shared.NextBytes(bytes.AsSpan(0, 100));
                break;
            case "after-byte-100":
                Random.Shared.NextBytes(bytes.AsSpan(100, bytes.Length - 100));
                break;
            case "truncated":
                bytes = bytes[..(bytes.Length / 3)];
                break;
        }

        File.WriteAllBytes(DbPath, bytes);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("after-byte-100")]
    [InlineData("truncated")]
    public void A_corrupt_database_is_moved_aside_and_rebuilt_instead_of_stopping_the_start(string damage)
    {
        WriteDamagedDatabase(damage);
        var database = new KdumpdDatabase(DbPath);

        database.OpenOrRebuild();

        database.Problem.Should().NotBeNull().And.Contain("moved aside to");
        var aside = Directory.GetFiles(_dir, "kdumpd.db.broken-*").Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal)).Should().ContainSingle().Subject;
        database.Problem.Should().Contain(aside);
        database.IsUsable(out var problem).Should().BeFalse("the readiness check names the moved file until an operator looks");
        problem.Should().Contain(aside);
        var store = new GenerationStore(database);
        store.Record(Loaded()).Number.Should().BeGreaterThan(0, "the new database takes records");
        new DumpCatalog(database, Path.Join(_dir, "crash")).List(new DumpQuery()).Items.Should().BeEmpty();
    }

    [Fact]
    public void A_database_deleted_under_the_running_daemon_is_noticed_rebuilt_and_keeps_its_generations()
    {
        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);
        var rebuilt = new List<string>();
        database.Rebuilt += rebuilt.Add;
        store.Record(Loaded());
        store.Record(Loaded());

        File.Delete(DbPath);
        File.Delete(DbPath + "-wal");
        File.Delete(DbPath + "-shm");
        var third = store.Record(Loaded());

        rebuilt.Should().ContainSingle().Which.Should().Contain("deleted or replaced");
        third.Number.Should().Be(3, "numbering goes on from the generations recorded before");
        store.List().Select(g => g.Number).Should().Equal(3, 2, 1);
        store.LatestLoaded()!.Number.Should().Be(3);
        File.Exists(DbPath).Should().BeTrue();
    }

    [Fact]
    public void A_database_replaced_under_the_running_daemon_is_rebuilt_by_the_health_check()
    {
        var database = new KdumpdDatabase(DbPath);
        database.OpenOrRebuild();
        var store = new GenerationStore(database);
        store.Record(Loaded());
        SqliteConnection.ClearAllPools();

        File.Move(DbPath, DbPath + ".old");
        File.WriteAllBytes(DbPath, new byte[8192]);

        database.CheckHealth().Should().BeFalse();
        store.LatestLoaded()!.Number.Should().Be(1);
        database.CheckHealth().Should().BeTrue();
    }
}
