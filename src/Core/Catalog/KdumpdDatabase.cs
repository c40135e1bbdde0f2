using Kdumpd.Core.Catalog.Migrations;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// The daemon's SQLite file: generations and the dump catalogue. WAL mode so readers (the API)
/// never block the writer (the reload coordinator, the scanner); schema versioned from day one
/// with PRAGMA user_version. The dump rows can always be rebuilt from the files on disk.
/// </summary>
public sealed class KdumpdDatabase
{
    public KdumpdDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>Creates the file if needed and applies every pending migration in one transaction each.</summary>
    public int Migrate()
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            // WAL persists in the file; setting it on every open is cheap and idempotent.
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        var current = UserVersion(connection);
        var latest = SchemaMigrations.All[^1].Version;
        if (current > latest)
        {
            throw new CatalogException(Path, $"schema version {current} is newer than this kdumpd knows ({latest}); refusing to touch it");
        }

        foreach (var migration in SchemaMigrations.All.Where(m => m.Version > current))
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = migration.Sql + $"\nPRAGMA user_version = {migration.Version};";
            command.ExecuteNonQuery();
            transaction.Commit();
            current = migration.Version;
        }

        return current;
    }

    /// <summary>An open connection with foreign keys on and a busy timeout, for one unit of work.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // A small page cache per connection: the catalogue is small, and the connection pool keeps
        // one connection per concurrent API request, each with SQLite's default 2 MB cache.
        pragma.CommandText = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-256;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>True when the file opens and answers a trivial query: the readiness check.</summary>
    public bool IsUsable(out string? problem)
    {
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master;";
            command.ExecuteScalar();
            problem = null;
            return true;
        }
        catch (SqliteException e)
        {
            problem = e.Message;
            return false;
        }
    }

    private static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return checked((int)(long)command.ExecuteScalar()!);
    }
}
