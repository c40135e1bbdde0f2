namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>
/// How far the database holds the generation journal: its file (device and inode) and the length up to
/// which every generation is in the table. A start then reads only the lines appended since, not the
/// whole history (kilobytes a reload with the plan and header, at every start and CLI call).
/// </summary>
public static class M0005JournalMark
{
    public static SchemaMigration Migration { get; } = new(5, "journal mark", """
        CREATE TABLE journal_mark (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            device  INTEGER NOT NULL,
            inode   INTEGER NOT NULL,
            length  INTEGER NOT NULL    -- every generation of the journal's first length bytes is in generations
        );
        """);
}
