using System.Diagnostics;

namespace Kdumpd.Core.Tests.Initrd;

/// <summary>Runs a real tool (cpio, readelf, blkid, lsinitramfs) for a test; null when it is not installed.</summary>
internal static class ToolRunner
{
    public static string? Find(string tool) =>
        new[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin" }.Select(d => Path.Join(d, tool)).FirstOrDefault(File.Exists);

    public static (int ExitCode, string Output) Run(string tool, string arguments, string? workingDirectory = null, string? stdinFile = null)
    {
        var info = new ProcessStartInfo(Find(tool) ?? tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdinFile is not null,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var process = Process.Start(info)!;
        if (stdinFile is not null)
        {
            using (var input = File.OpenRead(stdinFile))
            {
                input.CopyTo(process.StandardInput.BaseStream);
            }

            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}
