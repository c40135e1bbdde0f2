namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>Every load attempt of the panic kernel, with the plan in force (JSON and header bytes).</summary>
public static class M0001Generations
{
    public static SchemaMigration Migration { get; } = new(1, "generations", """
        CREATE TABLE generations (
            number              INTEGER PRIMARY KEY,      -- 1, 2, 3 ...
            started_at          TEXT    NOT NULL,         -- ISO 8601 UTC
            action              TEXT    NOT NULL DEFAULT 'load', -- load | unload
            triggers            TEXT    NOT NULL,         -- JSON array of trigger descriptions
            operator_requested  INTEGER NOT NULL DEFAULT 0, -- 1 = explicit operator request (may spend the last kexec_load_limit_panic unit)
            plan_fingerprint    TEXT,                     -- hex SHA-256
            layout              TEXT,                     -- kernel interface: kexec_file_load | kexec_load | none (dry run)
            loader              TEXT    NOT NULL,         -- kexec-file | kexec-tools | dry-run
            kernel_release      TEXT,                     -- the running kernel the load was for
            kernel_path         TEXT,
            kernel_sha256       TEXT,
            kernel_size         INTEGER,
            kernel_mtime        TEXT,
            initrd_path         TEXT,
            initrd_sha256       TEXT,
            initrd_size         INTEGER,
            initrd_mtime        TEXT,
            command_line        TEXT,
            outcome             TEXT    NOT NULL,         -- loaded | failed | refused | unloaded
            error               TEXT,
            detail              TEXT,                     -- loader notes (fallback, dry run) and kexec-tools output verbatim
            attempts            INTEGER NOT NULL DEFAULT 1, -- loader calls including retries
            duration_ms         REAL,
            unarmed_ms          REAL,                     -- upper bound of the time the host had no panic kernel around this load
            armed_before        INTEGER,                  -- kexec_crash_loaded before the call (null = no kexec)
            armed_after         INTEGER,                  -- kexec_crash_loaded after the call
            load_budget_left    INTEGER,                  -- kexec_load_limit_panic after the call, null = unlimited
            reservation_bytes   INTEGER,
            plan_json           TEXT,
            elfcorehdr          BLOB
        );
        CREATE INDEX generations_outcome ON generations(outcome, number);
        """);
}
