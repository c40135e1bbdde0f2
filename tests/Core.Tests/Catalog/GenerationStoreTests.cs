using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Core.Tests.Catalog;

public sealed class GenerationStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-gen-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private GenerationStore Open()
    {
        var database = new KdumpdDatabase(Path.Join(_dir, "kdumpd.db"));
        database.Migrate();
        return new GenerationStore(database);
    }

    private static GenerationRecord Loaded(DateTimeOffset at) => new()
    {
        StartedAt = at,
        Triggers = ["boot", "kernel update: /boot/vmlinuz-6.1.0-56-amd64 changed"],
        OperatorRequested = true,
        PlanFingerprint = new string('a', 64),
        Interface = "kexec_file_load",
        Loader = "kexec-file",
        KernelRelease = "6.1.0-56-amd64",
        Kernel = new FileFingerprint("/boot/vmlinuz-6.1.0-56-amd64", 8247232, new DateTimeOffset(2026, 11, 16, 10, 17, 0, TimeSpan.Zero), "26f2e57c99338feaf71c46fa4babdc7e1a6c115943002d109fdb746667104f5f"),
        Initrd = new FileFingerprint("/boot/initrd.img-6.1.0-56-amd64", 31457280, new DateTimeOffset(2026, 11, 16, 10, 18, 0, 123, TimeSpan.Zero), null),
        CommandLine = "console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug kdumpd.capture=1 kdumpd.generation=1",
        Outcome = GenerationOutcome.Loaded,
        Detail = "budget: fits",
        Attempts = 2,
        DurationMs = 1834.5,
        UnarmedMs = 1830.25,
        ArmedBefore = true,
        ArmedAfter = true,
        LoadBudgetLeft = 7,
        ReservationBytes = 268435456,
        PlanJson = "{\"fingerprint\":\"aaaa\"}",
        ElfCoreHeader = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0],
    };

    [Fact]
    public void A_generation_survives_closing_every_connection_with_every_field()
    {
        var at = new DateTimeOffset(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
        var stored = Open().Record(Loaded(at));
        SqliteConnection.ClearAllPools();

        var read = Open().Get(stored.Number)!;

        stored.Number.Should().Be(1);
        read.Should().BeEquivalentTo(stored);
        read.ElfCoreHeader.Should().Equal(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0);
        read.Initrd!.ModifiedUtc.Should().Be(new DateTimeOffset(2026, 11, 16, 10, 18, 0, 123, TimeSpan.Zero));
    }

    [Fact]
    public void Numbers_count_up_and_list_is_newest_first_with_paging()
    {
        var store = Open();
        var at = DateTimeOffset.UnixEpoch;
        store.Record(Loaded(at));
        store.Record(Loaded(at) with { Outcome = GenerationOutcome.Failed, Error = "EBUSY", ArmedAfter = true });
        store.Record(Loaded(at) with { Action = GenerationAction.Unload, Outcome = GenerationOutcome.Unloaded, ArmedAfter = false });

        store.NextNumber().Should().Be(4);
        store.List().Select(g => g.Number).Should().Equal(3, 2, 1);
        store.List(limit: 1, before: 3).Select(g => g.Number).Should().Equal(2);
        store.Latest()!.Action.Should().Be(GenerationAction.Unload);
        store.LatestLoaded()!.Number.Should().Be(1);
        store.Get(99).Should().BeNull();
    }

    [Fact]
    public void Recording_an_existing_number_is_a_catalog_error_not_an_overwrite()
    {
        var store = Open();
        store.Record(Loaded(DateTimeOffset.UnixEpoch) with { Number = 5 });

        var act = () => store.Record(Loaded(DateTimeOffset.UnixEpoch) with { Number = 5, Outcome = GenerationOutcome.Failed });

        act.Should().Throw<CatalogException>().WithMessage("*generation 5 already exists*");
        store.Get(5)!.Outcome.Should().Be(GenerationOutcome.Loaded);
    }

    [Fact]
    public void A_row_with_an_unknown_outcome_is_reported_with_its_number()
    {
        var store = Open();
        store.Record(Loaded(DateTimeOffset.UnixEpoch));
        using (var connection = store.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE generations SET outcome = 'exploded' WHERE number = 1;";
            command.ExecuteNonQuery();
        }

        var act = () => store.Get(1);

        act.Should().Throw<CatalogException>().WithMessage("*generation 1: unknown outcome 'exploded'*");
    }
}
