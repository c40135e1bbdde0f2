using System.Globalization;
using System.Text;
using Kdumpd.Core.Dumps;
using Kdumpd.Core.Dumps.Printk;
using Kdumpd.Core.Elf;
using Kdumpd.Core.Triage;

namespace Kdumpd.Core.Catalog;

/// <summary>What the catalogue stores about one located dump, before it becomes a row.</summary>
internal sealed record DumpFacts(
    LocatedDump Located,
    string ScanKey,
    string? Format,
    string? Compression,
    long? FileSize,
    DateTimeOffset? FileMtime,
    string? KernelRelease,
    DateTimeOffset? CrashTime,
    string? Hostname,
    int? CpuCount,
    int? DumpLevel,
    string? PanicSummary,
    IReadOnlyList<string> CallTrace,
    bool Complete,
    string? IncompleteReason,
    long? Generation,
    string? HeaderError,
    string? BuildId,
    long TotalBytes,
    string? Title = null,
    string? Signature = null,
    string? TriageNote = null);

/// <summary>Turns a located dump directory into catalogue facts: header, dmesg, markers, kdumpd.json.</summary>
internal static class DumpAnalyzer
{
    /// <summary>
    /// Sizes and mtimes of every file in the directory (and the disk space they use): when it is unchanged since the last scan
    /// nothing is re-read (incremental scans).
    /// </summary>
    public static (string Key, long TotalBytes) ScanKey(LocatedDump located)
    {
        var key = new StringBuilder();
        long total = 0;
        try
        {
            foreach (var f in new DirectoryInfo(located.Directory).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                var target = Resolve(f);
                key.Append(f.Name).Append('|').Append(target.Exists ? target.Length : -1).Append('|').Append(target.LastWriteTimeUtc.Ticks).Append(';');
                // Disk blocks, not apparent size: the built-in writer's vmcores are sparse.
                total += target.Exists ? SparseFiles.AllocatedBytes(target.FullName) ?? target.Length : 0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            key.Append("unreadable:").Append(e.GetType().Name);
        }

        return (key.ToString(), total);
    }

    public static DumpFacts Analyze(LocatedDump located, string scanKey, long totalBytes)
    {
        // Every file is opened beneath the dump directory, as a regular file, before a byte is read.
        var root = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(located.Directory))!;
        DumpHeaderInfo? header = null;
        string? headerError = null;
        long? size = null;
        DateTimeOffset? mtime = null;
        if (located.VmcorePath is { } vmcore)
        {
            try
            {
                using var file = ConfinedFile.Open(root, vmcore);
                size = file.Length;
                mtime = file.Status.Mtime;
                using var source = FileDumpSource.Over(file);
                header = DumpProbe.Probe(source);
            }
            catch (InvalidFormatException e)
            {
                headerError = e.Message;
            }
            catch (ConfinedFileException e)
            {
                headerError = e.Message;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                headerError = $"{vmcore}: {e.Message}";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A reader bug must not stop the scan of every other dump: record it on this row.
                headerError = $"{vmcore}: reader failed unexpectedly ({e.GetType().Name}): {e.Message}";
            }
        }

        var (panic, note) = Triage(root, located, header);

        CaptureMetadata? meta = null;
        var owned = false;
        if (located.MetadataPath is { } metadataPath)
        {
            ConfinedFile? metadata = null;
            try
            {
                metadata = ConfinedFile.Open(root, metadataPath);
                meta = metadata.Length <= 1 << 20 ? CaptureMetadata.TryParse(ReadAll(metadata)) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                meta = null;
            }

            using (metadata)
            {
                owned = located.Owned && DumpOwnership.Verify(located.Directory, metadata, meta, located.VmcorePath, out _);
            }
        }

        located = located with { Owned = owned };
        var reason = located.IncompleteMarker is { } marker ? $"marker: {marker}" : null;
        reason ??= meta is { Complete: false } && located.Layout == DumpLayout.Kdumpd
            ? $"kdumpd.json: {meta.IncompleteReason ?? "capture did not finish"}" : null;
        reason ??= header?.IncompleteReason;
        reason ??= headerError is not null ? $"header unreadable: {headerError}" : null;

        var hostname = header?.Hostname ?? meta?.Hostname ?? located.NameHost;
        return new DumpFacts(
            located, scanKey,
            header?.Format.ToCatalogName() ?? (located.VmcorePath is null ? null : "unknown"),
            header?.Compression.ToCatalogName(),
            size, mtime,
            header?.KernelRelease,
            header?.CrashTime ?? meta?.StartedAt ?? located.NameTime,
            hostname,
            header?.CpuCount,
            header?.DumpLevel,
            panic?.Summary,
            panic?.CallTrace ?? [],
            reason is null,
            reason,
            meta?.Generation,
            headerError,
            header?.BuildId,
            totalBytes,
            panic?.Title,
            panic?.Signature,
            note);
    }

    /// <summary>
    /// Titles the crash from the dump's dmesg. A dump with none is left for
    /// <see cref="TriageVmcore"/> (no title, no note): reading the vmcore's printk buffer is the
    /// catalogue's background work, never the scan's. Never throws: what went wrong is the note.
    /// </summary>
    private static (PanicReport? Report, string? Note) Triage(string root, LocatedDump located, DumpHeaderInfo? header)
    {
        try
        {
            if (located.DmesgPath is { } dmesg)
            {
                using var file = ConfinedFile.Open(root, dmesg);
                using var stream = file.OpenStream();
                var report = DmesgAnalyzer.AnalyzeStream(stream);
                return (report, report.Uncertain);
            }

            return located.VmcorePath is null ? (null, "no dmesg and no vmcore")
                : header is null ? (null, "no dmesg, and the vmcore header is unreadable")
                : (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"dmesg unreadable: {e.Message}");
        }
    }

    /// <summary>
    /// Reads the dmesg of a dump that has none from its vmcore's printk buffer and titles the
    /// crash; in a directory kdumpd owns the text is saved as dmesg.txt for the next reader.
    /// Never throws: what went wrong is the note.
    /// </summary>
    public static (PanicReport? Report, string Note) TriageVmcore(string directory, string vmcore, bool ownedKdumpdDirectory)
    {
        try
        {
            var extracted = VmcoreDmesg.Extract(vmcore);
            if (extracted.Text is null)
            {
                return (null, $"no dmesg: {extracted.Problem}");
            }

            if (ownedKdumpdDirectory)
            {
                DurableFiles.WriteAtomically(Path.Join(directory, DumpLocator.KdumpdDmesg), Encoding.Latin1.GetBytes(extracted.Text));
            }

            var fromVmcore = DmesgAnalyzer.Analyze(extracted.Text);
            var note = "dmesg read from the vmcore" + (extracted.Problem is null ? string.Empty : $" (partly: {extracted.Problem})");
            return (fromVmcore, fromVmcore.Uncertain is null ? note : $"{note}; {fromVmcore.Uncertain}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"dmesg unreadable: {e.Message}");
        }
    }

    private static byte[] ReadAll(ConfinedFile file)
    {
        var buffer = new byte[file.Length];
        var n = RandomAccess.Read(file.Handle, buffer, 0);
        return n == buffer.Length ? buffer : buffer[..n];
    }

    /// <summary>A symlinked vmcore (operators link dumps from elsewhere) is measured by its target.</summary>
    public static FileInfo Resolve(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target : file;
    }

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
