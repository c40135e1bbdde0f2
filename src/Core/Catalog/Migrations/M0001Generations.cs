namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>Every load attempt of the panic kernel, with the plan in force (JSON and header bytes).</summary>
public static class M0001Generations
{
    public static SchemaMigration Migration { get; } = new(1, "generations", """
        CREATE TABLE generations (
            number              INTEGER PRIMARY KEY,      -- 1, 2, 3 ...
            started_at          TEXT    NOT NULL,         -- ISO 8601 UTC
            triggers            TEXT    NOT NULL,         -- JSON array of trigger descriptions
            plan_fingerprint    TEXT,                     -- hex SHA-256
            layout              TEXT,                     -- kexec-file | kexec-tools
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
            duration_ms         REAL,
            unarmed_ms          REAL,                     -- time the host had no panic kernel around this load
            load_budget_left    INTEGER,                  -- kexec_load_limit_panic after the call, null = unlimited
            reservation_bytes   INTEGER,
            plan_json           TEXT,
            elfcorehdr          BLOB
        );
        CREATE INDEX generations_outcome ON generations(outcome, number);
        """);
}
