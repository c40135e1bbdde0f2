using Serilog;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// The dump catalogue, one entry point over its jobs: scanning the dump directory into the `dumps`
/// table (<see cref="DumpScanner"/>), dmesg and titles read from vmcores in the background
/// (<see cref="DumpTriager"/>), hashing (<see cref="DumpHasher"/>), queries
/// (<see cref="DumpQueries"/>), deletion and retention (<see cref="DumpRemover"/>,
/// <see cref="DumpRetention"/>), plan coverage (<see cref="CoverageRecorder"/>) and downloads
/// (<see cref="VmcoreOpener"/>). Foreign dumps (Fedora, Debian, SUSE) are read, never modified.
/// </summary>
public sealed class DumpCatalog
{
    public const string DefaultDumpDirectory = "/var/crash";
    public const string DefaultDatabasePath = "/var/lib/kdumpd/kdumpd.db";

    private readonly DumpScanner _scanner;
    private readonly DumpHasher _hasher;
    private readonly DumpTriager _triager;
    private readonly ILogger _log;
    private readonly Lock _triageGate = new();
    private Task<int> _triage = Task.FromResult(0);
    private bool _triageAgain;
    private readonly DumpQueries _queries;
    private readonly DumpRemover _remover;
    private readonly DumpRetention _retention;
    private readonly CoverageRecorder _coverage;
    private readonly VmcoreOpener _opener;

    public DumpCatalog(KdumpdDatabase database, string dumpDirectory, ILogger? logger = null, TimeProvider? time = null, Func<string, long>? freeSpace = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(dumpDirectory);
        DumpDirectory = Path.GetFullPath(dumpDirectory);
        var log = (logger ?? Serilog.Core.Logger.None).ForContext<DumpCatalog>();
        var clock = time ?? TimeProvider.System;
        _scanner = new DumpScanner(database, DumpDirectory, log, clock);
        _hasher = new DumpHasher(database, DumpDirectory, log, clock);
        _triager = new DumpTriager(database, log);
        _log = log;
        _queries = new DumpQueries(database);
        _remover = new DumpRemover(database, _queries, DumpDirectory, log);
        _retention = new DumpRetention(_queries, _remover, DumpDirectory, freeSpace ?? (dir => new DriveInfo(dir).AvailableFreeSpace), log);
        _coverage = new CoverageRecorder(database, _queries, DumpDirectory);
        _opener = new VmcoreOpener(_queries, DumpDirectory);
    }

    public string DumpDirectory { get; }

    /// <summary>Opens (creating and migrating if needed) the database and returns a catalogue over the dump directory.</summary>
    public static DumpCatalog Open(string databasePath, string dumpDirectory, ILogger? logger = null, TimeProvider? time = null)
    {
        var database = new KdumpdDatabase(databasePath);
        database.Migrate();
        return new DumpCatalog(database, dumpDirectory, logger, time);
    }

    /// <summary>
    /// <see cref="Scan"/> on the thread pool, then starts the background triage of what the scan
    /// listed without a dmesg (<see cref="BackgroundTriage"/>): the scan does not wait for it.
    /// </summary>
    public Task<DumpScanResult> ScanAsync(CancellationToken cancellationToken = default) =>
        Task.Run(
            () =>
            {
                var result = Scan(cancellationToken);
                StartTriage();
                return result;
            },
            cancellationToken);

    /// <summary>The background triage started by the last <see cref="ScanAsync"/> (completed when none runs); its result is the number of rows titled.</summary>
    public Task<int> BackgroundTriage
    {
        get
        {
            lock (_triageGate)
            {
                return _triage;
            }
        }
    }

    /// <summary>Reads the dmesg from the vmcore of every dump the scan listed without one, and titles it; returns the number of rows updated.</summary>
    public int TriagePending(CancellationToken cancellationToken = default) => _triager.TriagePending(cancellationToken);

    public Task<int> TriagePendingAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => TriagePending(cancellationToken), cancellationToken);

    /// <summary>One background triage at a time; a scan that ends while one runs makes it go round once more.</summary>
    private void StartTriage()
    {
        lock (_triageGate)
        {
            if (!_triage.IsCompleted)
            {
                _triageAgain = true;
                return;
            }

            _triage = Task.Run(RunTriage);
        }
    }

    private int RunTriage()
    {
        var total = 0;
        while (true)
        {
            try
            {
                total += _triager.TriagePending();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.Error(e, "Background triage of the dump catalogue failed; the next scan retries");
            }

            lock (_triageGate)
            {
                if (!_triageAgain)
                {
                    return total;
                }

                _triageAgain = false;
            }
        }
    }

    /// <summary>
    /// Finds every dump directory and brings its row up to date. Unchanged directories (same file
    /// names, sizes and mtimes) are skipped; rows of directories that are gone are removed.
    /// Cancellation stops between two dumps: every row already written stays valid.
    /// </summary>
    public DumpScanResult Scan(CancellationToken cancellationToken = default) => _scanner.Scan(cancellationToken);

    public Task<int> HashPendingAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => HashPending(cancellationToken), cancellationToken);

    /// <summary>SHA-256 of every vmcore whose row has none; returns the number stored.</summary>
    public int HashPending(CancellationToken cancellationToken = default) => _hasher.HashPending(cancellationToken);

    /// <summary>Dumps matching the filters, newest crash first, one page.</summary>
    public DumpPage List(DumpQuery query) => _queries.List(query);

    /// <summary>The dump with that id, or null.</summary>
    public DumpRecord? Get(string id) => _queries.Get(id);

    /// <summary>Dumps grouped by crash signature (title, count, first and last crash, kernels), the most recently seen first.</summary>
    public IReadOnlyList<CrashGroup> Groups() => _queries.Groups();

    /// <summary>
    /// Deletes a dump kdumpd owns: its directory, then its row. A foreign dump is refused with
    /// <see cref="DumpCatalogError.NotOwned"/>: kdumpd never removes what it did not write.
    /// </summary>
    public DumpRecord Delete(string id, string reason = "requested") => _remover.Delete(id, reason);

    /// <summary>
    /// Deletes complete dumps kdumpd owns, oldest first, until the policy is met; the newest
    /// complete owned dump is never deleted, nor one the policy's hold keeps (egress). Returns what was deleted.
    /// </summary>
    public IReadOnlyList<DumpRecord> ApplyRetention(RetentionPolicy policy) => _retention.Apply(policy);

    /// <summary>
    /// The daemon's periodic job (and its start-up step): scan, apply retention when a policy is
    /// given, then hash what has no SHA-256 yet.
    /// </summary>
    public async Task<DumpMaintenanceResult> MaintainAsync(RetentionPolicy? retention, CancellationToken cancellationToken = default)
    {
        var scan = await ScanAsync(cancellationToken);
        var deleted = retention is null ? [] : await Task.Run(() => ApplyRetention(retention), cancellationToken);
        var hashed = await HashPendingAsync(cancellationToken);
        return new DumpMaintenanceResult(scan, deleted, hashed);
    }

    /// <summary>Opens a dump's vmcore for download (read-only, shared); the path comes from the catalogue, never from the caller.</summary>
    public (DumpRecord Dump, FileStream Vmcore) OpenVmcore(string id) => _opener.Open(id);

    /// <summary>Whether the dump covers a plan's physical ranges (stored in covers_plan); null when unknown.</summary>
    public bool? EvaluateCoverage(string id, IReadOnlyList<PhysicalRange> plan) => _coverage.Evaluate(id, plan);
}
