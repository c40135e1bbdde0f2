namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>
/// Egress state: per dump and target the outcome operators see, per file the resume point
/// (an S3 multipart upload id and its acknowledged parts, or the bytes an SFTP host acknowledged).
/// No foreign key to dumps: a rescan may drop and re-add a dump row, its upload state stays.
/// </summary>
public static class M0004Egress
{
    public static SchemaMigration Migration { get; } = new(4, "egress", """
        CREATE TABLE egress (
            dump_id             TEXT    NOT NULL,
            target              TEXT    NOT NULL,         -- the target's configured name
            state               TEXT    NOT NULL,         -- pending | uploading | verified | failed
            bytes_done          INTEGER NOT NULL DEFAULT 0, -- acknowledged by the target
            bytes_total         INTEGER,
            bytes_sent          INTEGER NOT NULL DEFAULT 0, -- everything sent, resends included
            location            TEXT,                     -- s3://bucket/key/ or sftp://user@host:port/path/ once verified
            reason              TEXT,                     -- why it failed
            attempts            INTEGER NOT NULL DEFAULT 0,
            updated_at          TEXT    NOT NULL,
            verified_at         TEXT,
            PRIMARY KEY (dump_id, target)
        );
        CREATE TABLE egress_files (
            dump_id             TEXT    NOT NULL,
            target              TEXT    NOT NULL,
            name                TEXT    NOT NULL,         -- vmcore | dmesg.txt | kdumpd.json | plan.json | index.json
            size                INTEGER NOT NULL,
            sha256              TEXT    NOT NULL,         -- what the target's copy must hash to
            upload_id           TEXT,                     -- S3 multipart upload in progress
            bytes_done          INTEGER NOT NULL DEFAULT 0, -- SFTP: acknowledged prefix of the .part file
            verified            INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (dump_id, target, name)
        );
        CREATE TABLE egress_parts (
            dump_id             TEXT    NOT NULL,
            target              TEXT    NOT NULL,
            name                TEXT    NOT NULL,
            upload_id           TEXT    NOT NULL,
            number              INTEGER NOT NULL,         -- 1-based S3 part number
            size                INTEGER NOT NULL,
            etag                TEXT    NOT NULL,
            PRIMARY KEY (dump_id, target, name, upload_id, number)
        );
        """);
}
