using System.Globalization;
using Kdumpd.Core.Catalog.Migrations;
using Kdumpd.Core.Dumps;
using Microsoft.Data.Sqlite;
using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// The daemon's SQLite file: generations and the dump catalogue. WAL mode so readers (the API)
/// never block the writer (the reload coordinator, the scanner); schema versioned from day one
/// with PRAGMA user_version. The dump rows can always be rebuilt from the files on disk, so a file
/// that cannot be opened, migrated or read is never a reason to stay unarmed: it is moved aside
/// (kept for the operator, named in <see cref="Problem"/>), a new one is created, and the
/// generations that can still be read are copied over. A file deleted or replaced under the running
/// daemon is noticed at the next <see cref="Open"/> (its device and inode changed) and rebuilt the
/// same way; <see cref="Rebuilt"/> tells the generation store and the catalogue to re-record.
/// </summary>
public sealed class KdumpdDatabase
{
    private readonly Lock _rebuild = new();
    private (ulong Device, ulong Inode)? _identity;
    private ILogger _log = Serilog.Core.Logger.None;

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

    /// <summary>Why the database had to be moved aside and rebuilt since the start (for /readyz), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Raised after a rebuild (the argument says why): re-record what only the old file held.</summary>
    public event Action<string>? Rebuilt;

    /// <summary>
    /// The daemon's start: migrate and check the file; when that fails, move it aside and start a new
    /// one. Never throws for a broken file, so arming never waits on the catalogue.
    /// </summary>
    public void OpenOrRebuild(ILogger? log = null)
    {
        _log = (log ?? Serilog.Core.Logger.None).ForContext<KdumpdDatabase>();
        try
        {
            Migrate();
            QuickCheck();
            RememberIdentity();
        }
        catch (Exception e) when (e is SqliteException or CatalogException or IOException or UnauthorizedAccessException)
        {
            Rebuild($"cannot be used: {e.Message}");
        }
    }

    /// <summary>
    /// The periodic check (catalogue upkeep): the file is still the one opened, and SQLite's
    /// quick_check finds no damage; otherwise it is rebuilt. False when it had to be rebuilt.
    /// </summary>
    public bool CheckHealth()
    {
        if (!IdentityHolds())
        {
            Rebuild("was deleted or replaced under the running daemon");
            return false;
        }

        try
        {
            QuickCheck();
            return true;
        }
        catch (Exception e) when (e is SqliteException or CatalogException)
        {
            Rebuild($"is damaged: {e.Message}");
            return false;
        }
    }

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
        if (_identity is not null && !IdentityHolds())
        {
            Rebuild("was deleted or replaced under the running daemon");
        }

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
        if (Problem is not null)
        {
            problem = Problem;
            return false;
        }

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

    private void Rebuild(string why)
    {
        lock (_rebuild)
        {
            if (why.StartsWith("was deleted", StringComparison.Ordinal) && _identity is not null && IdentityHolds())
            {
                return; // another thread rebuilt it meanwhile
            }

            _identity = null; // Open() inside the rebuild must not start another one
            SqliteConnection.ClearAllPools();
            var aside = MoveAside();
            Problem = aside is null
                ? $"{Path} {why}; a new database was built from the dump directory"
                : $"{Path} {why}; moved aside to {aside} and rebuilt from the dump directory";
            _log.Error("Database {Database} {Why}: moved aside to {MovedTo}, rebuilding from the files on disk", Path, why, aside ?? "(nothing to move)");
            try
            {
                Migrate();
                if (aside is not null)
                {
                    Salvage(aside);
                }

                RememberIdentity();
            }
            catch (Exception e) when (e is SqliteException or CatalogException or IOException or UnauthorizedAccessException)
            {
                _identity = null;
                Problem += $"; the new database cannot be created either: {e.Message}";
                _log.Error("Database {Database} cannot be created: {Error}; the daemon runs on without a catalogue", Path, e.Message);
                return;
            }
        }

        Rebuilt?.Invoke(why);
    }

    /// <summary>Renames the file (and its -wal, -shm) to &lt;file&gt;.broken-&lt;UTC time&gt;; null when there was none.</summary>
    private string? MoveAside()
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var aside = $"{Path}.broken-{stamp}";
        for (var i = 1; File.Exists(aside); i++)
        {
            aside = $"{Path}.broken-{stamp}.{i}";
        }

        var moved = false;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try
            {
                if (File.Exists(Path + suffix))
                {
                    File.Move(Path + suffix, aside + suffix);
                    moved |= suffix.Length == 0;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("Cannot move {File} aside: {Error}", Path + suffix, e.Message);
                TryDelete(Path + suffix);
            }
        }

        return moved ? aside : null;
    }

    /// <summary>Copies the generations the broken file still yields (history is not rebuildable from the dumps).</summary>
    private void Salvage(string aside)
    {
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ATTACH DATABASE $old AS old; INSERT OR IGNORE INTO main.generations SELECT * FROM old.generations; DETACH DATABASE old;";
            command.Parameters.AddWithValue("$old", aside);
            var copied = command.ExecuteNonQuery();
            _log.Information("Copied {Count} generations from {MovedTo}", copied, aside);
        }
        catch (SqliteException e)
        {
            _log.Warning("No generations could be copied from {MovedTo}: {Error}", aside, e.Message);
        }
    }

    private void QuickCheck()
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check(1);";
        var result = command.ExecuteScalar() as string;
        if (!string.Equals(result, "ok", StringComparison.Ordinal))
        {
            throw new CatalogException(Path, $"quick_check: {result}");
        }
    }

    private void RememberIdentity()
    {
        var status = FileStatus.OfPath(Path);
        _identity = (status.Device, status.Inode);
    }

    private bool IdentityHolds()
    {
        try
        {
            var status = FileStatus.OfPath(Path);
            return _identity is { } id && status.Device == id.Device && status.Inode == id.Inode;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left for the operator
        }
    }

    private static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return checked((int)(long)command.ExecuteScalar()!);
    }
}
