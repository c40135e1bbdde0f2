using System.Text.RegularExpressions;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Tests.Initrd;

public sealed partial class ElfDynamicInfoTests
{
    [Theory]
    [InlineData("/usr/bin/ls")]
    [InlineData("makedumpfile")] // /usr/bin on Debian, /usr/sbin on Fedora
    [InlineData("/usr/bin/cpio")]
    public void Needed_libraries_and_interpreter_match_readelf(string program)
    {
        program = Path.IsPathRooted(program) ? program : new[] { "/usr/sbin/", "/usr/bin/", "/sbin/" }.Select(d => d + program).FirstOrDefault(File.Exists) ?? program;
        Assert.SkipWhen(!File.Exists(program) || ToolRunner.Find("readelf") is null, $"{program} or readelf (binutils) is not installed");

        var info = ElfDynamicInfo.Read(File.ReadAllBytes(program), program);

        var dynamic = ToolRunner.Run("readelf", $"-d -W {program}").Output;
        var expected = NeededLine().Matches(dynamic).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(expected, info.Needed);
        var headers = ToolRunner.Run("readelf", $"-l -W {program}").Output;
        Assert.Equal(InterpreterLine().Match(headers).Groups[1].Value, info.Interpreter);
    }

    [Fact]
    public void A_truncated_image_names_the_file_and_the_offset()
    {
        const string program = "/usr/bin/ls";
        Assert.SkipWhen(!File.Exists(program), $"{program} is not installed");
        var image = File.ReadAllBytes(program);

        var error = Assert.Throws<InvalidFormatException>(() => ElfDynamicInfo.Read(image.AsSpan(0, 4096), "ls-cut"));

        Assert.Equal("ls-cut", error.File);
        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex NeededLine();

    [GeneratedRegex(@"Requesting program interpreter: ([^\]]+)\]")]
    private static partial Regex InterpreterLine();
}
