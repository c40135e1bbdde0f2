namespace Kdumpd.Core.Catalog.Migrations;

/// <summary>One forward-only schema step; <see cref="Version"/> becomes PRAGMA user_version.</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql);
