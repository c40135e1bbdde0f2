namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>
/// Crash titles and signatures (groups of dumps of one bug). Existing rows are marked for a
/// re-read so that dumps catalogued before this version get their titles on the next scan.
/// </summary>
public static class M0003CrashTitles
{
    public static SchemaMigration Migration { get; } = new(3, "crash titles", """
        ALTER TABLE dumps ADD COLUMN title TEXT;        -- normalized crash title, null = no crash found in the dmesg
        ALTER TABLE dumps ADD COLUMN signature TEXT;    -- stable hash of the title: the group
        ALTER TABLE dumps ADD COLUMN triage_note TEXT;  -- where the dmesg came from, or why there is no title
        CREATE INDEX dumps_signature ON dumps(signature) WHERE signature IS NOT NULL;
        UPDATE dumps SET scan_key = NULL;
        """);
}
