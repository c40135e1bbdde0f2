namespace Kdumpd.Core.Catalog;

/// <summary>Holds a dump against the ranges its generation promised and stores the answer in covers_plan.</summary>
internal sealed class CoverageRecorder(KdumpdDatabase database, DumpQueries queries, string dumpDirectory)
{
    /// <summary>
    /// Whether the dump's memory ranges cover a plan's PT_LOAD ranges (physical start, size):
    /// ELF dumps by their PT_LOADs, kdump-compressed dumps by the 1st bitmap; null when unknown.
    /// The answer is stored in covers_plan.
    /// </summary>
    public bool? Evaluate(string id, IReadOnlyList<PhysicalRange> plan)
    {
        var record = queries.Get(id) ?? throw new DumpCatalogException(id, DumpCatalogError.NotFound, $"no dump with id {id}");
        bool? covers = record.VmcorePath is null ? null : DumpCoverage.Evaluate(dumpDirectory, record.VmcorePath, plan);
        using var connection = database.Open();
        DumpRows.Execute(connection, "UPDATE dumps SET covers_plan = $c WHERE id = $id;", ("$c", covers is null ? null : covers.Value ? 1 : 0), ("$id", id));
        return covers;
    }
}
