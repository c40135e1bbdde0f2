using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>Applies a <see cref="RetentionPolicy"/>: which owned dumps to delete, oldest first.</summary>
internal sealed class DumpRetention(DumpQueries queries, DumpRemover remover, string dumpDirectory, Func<string, long> freeSpace, ILogger log)
{
    /// <summary>
    /// Deletes complete dumps kdumpd owns, oldest first, until the newest-N count, the byte budget
    /// (all catalogued dumps count towards it) and the free-space floor are met. The newest
    /// complete owned dump is never deleted, nor one the policy's hold keeps (egress: not yet
    /// verified on every target, or uploading). Returns what was deleted; each deletion is logged.
    /// </summary>
    public IReadOnlyList<DumpRecord> Apply(RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var all = queries.All();
        var candidates = all.Where(d => d.Owned && d.Complete && d.Layout == DumpLayout.Kdumpd.ToCatalogName())
            .OrderBy(d => d.CrashTime ?? d.FirstSeen).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        var deletable = candidates.Count > 0 ? candidates[..^1] : [];
        var ownedCount = candidates.Count;
        var totalBytes = all.Sum(d => d.TotalBytes ?? 0);
        var deleted = new List<DumpRecord>();
        foreach (var dump in deletable)
        {
            string? why = null;
            if (policy.KeepNewest is { } keep && ownedCount > keep)
            {
                why = $"retention: {ownedCount} dumps, keep the newest {keep}";
            }
            else if (policy.MaxTotalBytes is { } budget && totalBytes > budget)
            {
                why = $"retention: dumps use {totalBytes} bytes, budget {budget}";
            }
            else if (policy.MinFreeBytes is { } floor && FreeSpace() is { } free && free < floor)
            {
                why = $"retention: {free} bytes free, floor {floor}";
            }

            if (why is null)
            {
                break;
            }

            if (policy.Hold?.Invoke(dump.Id) is { } held)
            {
                log.Information("Retention keeps dump {DumpId} ({Why}): {Held}", dump.Id, why, held);
                continue;
            }

            try
            {
                deleted.Add(remover.Delete(dump.Id, why));
                ownedCount--;
                totalBytes -= dump.TotalBytes ?? 0;
            }
            catch (DumpCatalogException e)
            {
                log.Warning("Retention could not delete dump {DumpId}: {Error}", dump.Id, e.Message);
            }
        }

        if (policy.MinFreeBytes is { } minFree && FreeSpace() is { } left && left < minFree)
        {
            log.Warning("Retention: {Free} bytes free in {DumpDirectory} is below the floor {Floor} and no more owned dumps may be deleted", left, dumpDirectory, minFree);
        }

        return deleted;
    }

    private long? FreeSpace()
    {
        try
        {
            return freeSpace(dumpDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
