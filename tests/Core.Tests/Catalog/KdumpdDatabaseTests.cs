using Kdumpd.Core.Catalog;
using Kdumpd.Core.Catalog.Migrations;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Catalog;

public sealed class KdumpdDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-db-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Migrate_creates_a_wal_database_at_the_latest_version_and_is_idempotent()
    {
        var db = new KdumpdDatabase(Path.Join(_dir, "sub", "kdumpd.db"));

        db.Migrate().Should().Be(SchemaMigrations.All[^1].Version);
        db.Migrate().Should().Be(SchemaMigrations.All[^1].Version);

        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        command.ExecuteScalar().Should().Be("wal");
        command.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type='table' ORDER BY name;";
        ((string)command.ExecuteScalar()!).Split(',').Should().Contain(["generations", "dumps"]);
    }

    [Fact]
    public void A_database_from_a_newer_kdumpd_is_refused_not_downgraded()
    {
        var db = new KdumpdDatabase(Path.Join(_dir, "kdumpd.db"));
        db.Migrate();
        using (var connection = db.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA user_version = 999;";
            command.ExecuteNonQuery();
        }

        var act = () => db.Migrate();

        act.Should().Throw<CatalogException>().WithMessage("*999*newer*");
    }

    [Fact]
    public void IsUsable_reports_a_corrupt_file()
    {
        var path = Path.Join(_dir, "broken.db");
        File.WriteAllText(path, "this is not a database, just text that is long enough to be read as a header......");
        var db = new KdumpdDatabase(path);

        db.IsUsable(out var problem).Should().BeFalse();
        problem.Should().NotBeNullOrEmpty();
    }
}
