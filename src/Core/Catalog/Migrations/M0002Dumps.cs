namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>
/// The dump catalogue: one row per dump directory. The id is derived from the directory name so
/// a rebuilt database gives every dump the same id again.
/// </summary>
public static class M0002Dumps
{
    public static SchemaMigration Migration { get; } = new(2, "dumps", """
        CREATE TABLE dumps (
            id                  TEXT    PRIMARY KEY,      -- stable, derived from the directory
            directory           TEXT    NOT NULL UNIQUE,  -- absolute path of the dump directory
            layout              TEXT    NOT NULL,         -- kdumpd | fedora | debian | suse
            owned               INTEGER NOT NULL,         -- 1 = written by kdumpd (retention may delete it)
            vmcore_path         TEXT,
            dmesg_path          TEXT,
            format              TEXT,                     -- elf | kdump-compressed | flattened-kdump | flattened-elf | unknown
            compression         TEXT,                     -- none | zlib | lzo | snappy | zstd | mixed | gzip ...
            file_size           INTEGER,
            file_mtime          TEXT,
            sha256              TEXT,                     -- filled in the background
            sha256_at           TEXT,
            kernel_release      TEXT,
            crash_time          TEXT,                     -- ISO 8601 UTC from CRASHTIME / the header timestamp
            hostname            TEXT,
            cpu_count           INTEGER,
            dump_level          INTEGER,
            panic_summary       TEXT,
            complete            INTEGER NOT NULL,         -- 0 = incomplete (marker, flag or truncation)
            incomplete_reason   TEXT,
            generation          INTEGER,                  -- generation in force at capture, when known
            covers_plan         INTEGER,                  -- 1/0: dump PT_LOADs cover that generation's plan; null = unknown
            header_error        TEXT,                     -- typed reader error, file and offset
            build_id            TEXT,                     -- VMCOREINFO BUILD-ID (debuginfod key)
            call_trace          TEXT,                     -- JSON array of the frames after the panic line
            total_bytes         INTEGER,                  -- disk space of all files of the directory (retention budget)
            scan_key            TEXT,                     -- sizes+mtimes of the files read: unchanged => not re-read
            first_seen          TEXT    NOT NULL,
            last_scanned        TEXT    NOT NULL
        );
        CREATE INDEX dumps_crash_time ON dumps(crash_time);
        CREATE INDEX dumps_kernel_release ON dumps(kernel_release);
        CREATE INDEX dumps_pending_sha ON dumps(id) WHERE sha256 IS NULL;
        """);
}
