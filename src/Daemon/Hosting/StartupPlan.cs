using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The daemon's first planning pass, started as soon as the database is open, while the web host and
/// the services are still being built: at boot under emulation both take a second or more, and arming
/// waits for the plan. The reload coordinator's first probe takes this pass instead of reading the host
/// again. It is taken once, and only with the planning it was made with: a configuration changed in
/// between plans afresh.
/// </summary>
public sealed class StartupPlan
{
    private Task<PlannedHost>? _pass;

    private StartupPlan(HostPlanning planning, string? loadedBy, Task<PlannedHost> pass)
    {
        Planning = planning;
        LoadedBy = loadedBy;
        _pass = pass;
    }

    /// <summary>The planning the pass was made with: the daemon starts with it in force.</summary>
    public HostPlanning Planning { get; }

    /// <summary>The loader of the last successful load, which chose <see cref="Planning"/>'s header layout.</summary>
    public string? LoadedBy { get; }

    /// <summary>Starts the pass on the thread pool with the planning the configuration and the last load give.</summary>
    public static StartupPlan Start(KdumpdOptions options, HostRoot host, LoadingOptions loading, GenerationStore generations)
    {
        ArgumentNullException.ThrowIfNull(generations);
        var loadedBy = generations.LatestLoaded()?.Loader;
        var planning = DaemonHost.PlanningFor(options, host, loading, loadedBy);
        return new StartupPlan(planning, loadedBy, Task.Run(() => planning.PlanNow()));
    }

    /// <summary>
    /// The pass, once finished, when <paramref name="inForce"/> is the planning it was made with and it was not
    /// taken before; its failure is thrown as a pass's own would be. Otherwise null, after the pass has
    /// finished: two passes never build kdumpd's initrd at once.
    /// </summary>
    public async ValueTask<PlannedHost?> TakeAsync(HostPlanning inForce, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _pass, null) is not { } pass)
        {
            return null;
        }

        if (ReferenceEquals(inForce, Planning))
        {
            return await pass.WaitAsync(cancellationToken);
        }

        await ((Task)pass).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        _ = pass.Exception; // superseded: its failure says nothing about the configuration now in force
        return null;
    }
}
