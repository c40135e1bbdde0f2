using System.Diagnostics;
using System.Text.Json;
using Kdumpd.Core.Capture;
using Kdumpd.Core.Host;
using Kdumpd.Core.Units;

namespace Kdumpd.Core.Initrd;

/// <summary>How the capture in the initrd ended (tests read it; the real /init has rebooted by then).</summary>
public sealed record CaptureInitOutcome(bool Complete, string? Failure, string? DumpDirectory, bool PowerOff);

/// <summary>
/// kdumpd as /init of its capture initrd: mount proc, sys and devtmpfs; load the target's modules in
/// order; find the dump target by filesystem UUID (bounded wait); mount it read-write; save /proc/vmcore
/// with <see cref="DumpCapture"/>; sync and unmount; then the final action. A watchdog bounds the whole
/// capture: when anything fails or time runs out, one clear console line and the failure action. Nothing
/// asks for input: a headless machine must reboot.
/// </summary>
public sealed class CaptureInit(IInitSystem system, Func<CaptureOptions, CancellationToken, Task<CaptureResult>> capture, string root = "/")
{
    public const string TargetMountPoint = "/mnt/target";
    private const int Ebusy = 16;
    private const int Eexist = 17;
    private const string LvmWithoutUdev = "activation { udev_sync = 0 udev_rules = 0 monitoring = 0 } devices { obtain_device_list_from_udev = 0 }";

    public static bool IsInitProcess(string? argv0) => Environment.ProcessId == 1 || argv0 == "/init";

    public async Task<CaptureInitOutcome> RunAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.StartNew();
        CaptureInitrdSpec spec;
        try
        {
            spec = CaptureInitrdSpec.Parse(File.ReadAllBytes(Path.Join(root, CaptureInitrdSpec.PathInInitrd)));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return Fail(FailureAction.Reboot, $"cannot read /{CaptureInitrdSpec.PathInInitrd}: {e.Message}", null);
        }

        using var watchdog = new CancellationTokenSource(TimeSpan.FromSeconds(spec.WatchdogSeconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
        // The timer fires even while the main flow sits in a syscall or a hung makedumpfile.
        using var expiry = watchdog.Token.Register(() =>
        {
            system.Console($"watchdog: the capture did not finish within {spec.WatchdogSeconds} s: {Describe(spec.FailureAction)}");
            Act(spec.FailureAction == FailureAction.Poweroff);
        });
        system.Console($"capture initrd for {spec.KernelRelease}: target UUID={spec.TargetUuid} ({spec.FilesystemType}), watchdog {spec.WatchdogSeconds} s");
        Environment.SetEnvironmentVariable("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");

        foreach (var (source, target, type) in new[] { ("proc", "/proc", "proc"), ("sysfs", "/sys", "sysfs"), ("devtmpfs", "/dev", "devtmpfs") })
        {
            var rc = system.Mount(source, target, type);
            if (rc != 0 && rc != Ebusy)
            {
                system.Console($"mounting {type} on {target} failed: {ErrnoText.Describe(rc)}");
            }
        }

        foreach (var module in spec.Modules)
        {
            var path = Path.Join(root, module);
            var rc = system.LoadModule(path, !module.EndsWith(".ko", StringComparison.Ordinal));
            system.Console(rc is 0 or Eexist ? $"module {Path.GetFileName(module)} loaded" : $"module {Path.GetFileName(module)} failed: {ErrnoText.Describe(rc)}");
            if (rc is 0 or Eexist)
            {
                // The kernel holds its own copy now: the file's pages in the initramfs go back to the
                // capture kernel's small memory (ext4.ko alone is 2 MiB).
                TryDelete(path);
            }
        }

        ReportMemory(spec.Modules.Count);

        if (spec.Lvm is { } lvm)
        {
            // No udev here: lvm must neither wait for it nor ask it for the device list.
            var rc = await system.RunAsync(Path.Join(root, lvm), ["vgchange", "-ay", "--sysinit", "--config", LvmWithoutUdev], linked.Token);
            system.Console(rc == 0 ? "volume groups activated" : $"lvm vgchange -ay exited {rc}");
        }

        string? device;
        try
        {
            device = await FindTarget(spec, linked.Token);
        }
        catch (OperationCanceledException)
        {
            return Fail(spec.FailureAction, "cancelled while waiting for the dump target", null);
        }

        if (device is null)
        {
            return Fail(spec.FailureAction, $"the dump target UUID={spec.TargetUuid} did not appear within {spec.DeviceWaitSeconds} s (block devices: {string.Join(' ', system.BlockDevices())})", null);
        }

        if (device.StartsWith("crypto_LUKS:", StringComparison.Ordinal))
        {
            return Fail(spec.FailureAction, $"the dump target {device["crypto_LUKS:".Length..]} is encrypted and the capture kernel has no key: no dump (never a passphrase prompt)", null);
        }

        var mount = system.Mount($"/dev/{device}", TargetMountPoint, spec.FilesystemType);
        if (mount != 0)
        {
            return Fail(spec.FailureAction, $"mounting /dev/{device} ({spec.FilesystemType}) on {TargetMountPoint} failed: {ErrnoText.Describe(mount)}", null);
        }

        system.Console($"dump target /dev/{device} mounted after {started.Elapsed.TotalSeconds:F1} s");
        var dumpDirectory = root.TrimEnd('/') + TargetMountPoint + (spec.PathInFilesystem == "/" ? "" : spec.PathInFilesystem);
        CaptureResult result;
        try
        {
            result = await capture(
                new CaptureOptions
                {
                    VmcorePath = CaptureOptions.ProcVmcore,
                    DumpDirectory = dumpDirectory,
                    Collector = Enum.TryParse<CollectorKind>(spec.Collector, ignoreCase: true, out var c) ? c : CollectorKind.Auto,
                    MakedumpfileArguments = spec.MakedumpfileArguments,
                    FinalAction = FinalAction.Stay,
                    Hostname = spec.Hostname,
                },
                linked.Token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or OperationCanceledException)
        {
            system.Sync();
            return Fail(spec.FailureAction, $"the capture failed: {e.Message}", dumpDirectory);
        }

        system.Sync();
        _ = system.Unmount(TargetMountPoint);
        if (!result.Complete)
        {
            return Fail(spec.FailureAction, $"the dump in {result.Directory} is incomplete: {result.IncompleteReason}", result.Directory);
        }

        var powerOff = spec.FinalAction.Equals("poweroff", StringComparison.OrdinalIgnoreCase);
        system.Console($"dump saved in {result.Directory} ({result.Metadata.VmcoreBytes} bytes, {started.Elapsed.TotalSeconds:F1} s): {(powerOff ? "powering off" : "rebooting")}");
        watchdog.Dispose();
        Act(powerOff);
        return new CaptureInitOutcome(true, null, result.Directory, powerOff);
    }

    private async Task<string?> FindTarget(CaptureInitrdSpec spec, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var announced = false;
        while (true)
        {
            foreach (var name in system.BlockDevices())
            {
                if (system.ReadDeviceHead(name, FilesystemSuperblock.ProbeBytes) is not { } head || FilesystemSuperblock.Probe(head) is not { } signature)
                {
                    continue;
                }

                if (string.Equals(signature.Uuid, spec.TargetUuid, StringComparison.OrdinalIgnoreCase))
                {
                    return signature.Type == "crypto_LUKS" ? $"crypto_LUKS:/dev/{name}" : name;
                }
            }

            if (deadline.Elapsed >= TimeSpan.FromSeconds(spec.DeviceWaitSeconds))
            {
                return null;
            }

            if (!announced)
            {
                system.Console($"waiting up to {spec.DeviceWaitSeconds} s for UUID={spec.TargetUuid}");
                announced = true;
            }

            await system.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private void ReportMemory(int modules)
    {
        try
        {
            if (MemInfo.Parse(File.ReadAllText(Path.Join(root, "proc/meminfo"))) is { } memory)
            {
                system.Console($"memory: {ByteSize.Format(memory.AvailableBytes)} available, {ByteSize.Format(memory.FreeBytes)} free of {ByteSize.Format(memory.TotalBytes)} (after {modules} module(s))");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // only a report: the capture goes on without it
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a read-only or odd initramfs: the memory stays taken, nothing else changes
        }
    }

    private CaptureInitOutcome Fail(FailureAction action, string why, string? directory)
    {
        var powerOff = action == FailureAction.Poweroff;
        system.Console($"CAPTURE FAILED: {why}: {Describe(action)}");
        Act(powerOff);
        return new CaptureInitOutcome(false, why, directory, powerOff);
    }

    private void Act(bool powerOff)
    {
        system.Sync();
        system.Reboot(powerOff);
    }

    private static string Describe(FailureAction action) => action == FailureAction.Poweroff ? "powering off" : "rebooting";
}
