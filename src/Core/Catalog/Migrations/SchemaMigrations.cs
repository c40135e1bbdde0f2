namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>Every migration in order. Never edit a released one: add the next number.</summary>
public static class SchemaMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        M0001Generations.Migration,
        M0002Dumps.Migration,
        M0003CrashTitles.Migration,
        M0004Egress.Migration,
        M0005JournalMark.Migration,
    ];
}
