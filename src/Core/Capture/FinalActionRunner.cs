using Kdumpd.Core.Processes;
using Serilog;

namespace Kdumpd.Core.Capture;

/// <summary>
/// Runs the capture kernel's final action without reboot(2): `systemctl reboot|poweroff --force
/// --force` when systemd is there, else busybox/util-linux `reboot -f` / `poweroff -f`.
/// </summary>
public sealed class FinalActionRunner(IProcessRunner runner, ILogger? logger = null)
{
    private readonly ILogger _log = (logger ?? Serilog.Core.Logger.None).ForContext<FinalActionRunner>();

    /// <summary>True when the action was started (or is Stay); false when every way failed.</summary>
    public async Task<bool> RunAsync(FinalAction action, CancellationToken cancellationToken = default)
    {
        if (action == FinalAction.Stay)
        {
            _log.Information("Final action: stay");
            return true;
        }

        var verb = action == FinalAction.Reboot ? "reboot" : "poweroff";
        var attempts = new List<(string Program, string[] Args)>();
        if (runner.Find("systemctl") is { } systemctl)
        {
            attempts.Add((systemctl, [verb, "--force", "--force"]));
        }

        if (runner.Find(verb) is { } direct)
        {
            attempts.Add((direct, ["-f"]));
        }

        if (runner.Find("busybox") is { } busybox)
        {
            attempts.Add((busybox, [verb, "-f"]));
        }

        foreach (var (program, args) in attempts)
        {
            _log.Information("Final action {Action}: {Program} {Arguments}", verb, program, string.Join(' ', args));
            try
            {
                var outcome = await runner.RunAsync(program, args, Timeout.InfiniteTimeSpan, cancellationToken);
                if (outcome.Succeeded)
                {
                    return true;
                }

                _log.Warning("{Program} exited {ExitCode}: {Output}", program, outcome.ExitCode ?? -1, outcome.Output);
            }
            catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                _log.Warning("{Program} failed: {Error}", program, e.Message);
            }
        }

        _log.Error("Final action {Action} failed: no systemctl, {Verb} or busybox worked", verb, verb);
        return false;
    }
}
