using System.CommandLine;
using System.Text.Json;
using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// <c>kdumpd plan</c>: reads the host, prints the crash plan and optionally writes the ELF core header.
/// Exit codes: 0 plan is sound, 3 plan has errors (not operational, like kdumpctl), 1 failure, 2 usage.
/// </summary>
public static class PlanCommand
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitNotOperational = 3;

    public static Command Create()
    {
        var hostRoot = new Option<string>("--host-root")
        {
            Description = "Directory to read /proc and /sys under (a captured host tree); default /",
            DefaultValueFactory = _ => "/",
        };
        var layout = new Option<string>("--layout")
        {
            Description = "Whose header layout to plan: kexec-file (kexec_file_load, the kernel's) or kexec-tools (kexec_load)",
            DefaultValueFactory = _ => PlanLayoutNames.KexecFile,
        };
        layout.AcceptOnlyFromAmong(PlanLayoutNames.KexecFile, PlanLayoutNames.KexecTools);
        var format = new Option<string>("--format")
        {
            Description = "Output format: text or json",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var elfcorehdr = new Option<FileInfo?>("--elfcorehdr")
        {
            Description = "Write the planned ELF core header bytes to this file",
        };
        var profile = new Option<string?>("--profile")
        {
            Description = "Architecture profile (x86_64, x86_64-lowmem-backup, arm64, ppc64, i386); default from the kernel release",
        };
        profile.AcceptOnlyFromAmong([.. ArchProfile.All.Select(p => p.Name)]);

        var command = new Command("plan", "Compute the crash plan (ELF core header, backup, budget, fingerprint) for this host")
        {
            hostRoot,
            layout,
            format,
            elfcorehdr,
            profile,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                var planLayout = PlanLayoutNames.TryParse(parseResult.GetValue(layout), out var parsed) ? parsed : PlanLayout.KexecFile;
                var root = new HostRoot(parseResult.GetValue(hostRoot) ?? "/");
                var snapshot = HostReader.Read(root);
                var options = new PlanOptions { Layout = planLayout, Profile = ArchProfile.FromName(parseResult.GetValue(profile)) };
                var plan = CrashPlanner.Plan(snapshot, options);
                if (parseResult.GetValue(elfcorehdr) is { } file)
                {
                    File.WriteAllBytes(file.FullName, plan.WriteHeader());
                }

                var report = PlanReport.From(plan, root.Root, snapshot.Iomem.SystemRam());
                if (parseResult.GetValue(format) == "json")
                {
                    output.WriteLine(JsonSerializer.Serialize(report, PlanReportJsonContext.Default.PlanReport));
                }
                else
                {
                    PlanTextWriter.Write(output, report);
                }

                return plan.HasErrors ? ExitNotOperational : ExitOk;
            }
            catch (Exception e) when (e is HostFileException or InvalidFormatException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                error.WriteLine($"kdumpd plan: {e.Message}");
                return ExitFailure;
            }
        });
        return command;
    }
}
