using CsCheck;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Loading;

public sealed class CaptureCommandLineTests
{
    private static readonly CaptureCommandLineOptions _defaults = new();

    [Fact]
    public void Real_qemu_guest_command_line_loses_crashkernel_and_panic_and_gains_the_capture_parameters()
    {
        var running = File.ReadAllText(Path.Join(Fixtures.Host("qemu-6.1-1g-ck256"), "proc", "cmdline"));

        var line = CaptureCommandLine.Build(running, _defaults);

        running.Trim().Should().Be("console=ttyS0 crashkernel=256M panic=1");
        line.Should().Be("console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1");
    }

    [Fact]
    public void Command_line_of_a_real_capture_kernel_is_not_compounded()
    {
        // What the 6.1 capture kernel saw: kexec_file_load prepended elfcorehdr=, the last rewrite added the rest.
        var running = File.ReadAllText(Path.Join(Fixtures.Host("qemu-6.1-1g-ck256-capture"), "proc", "cmdline"));

        var line = CaptureCommandLine.Build(running, _defaults);

        line.Should().Be("console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1");
    }

    [Fact]
    public void The_kexec_load_form_of_elfcorehdr_is_removed_too()
    {
        // kexec-tools appends a KiB value and acpi_rsdp= at the end (kdump-vm README).
        var line = CaptureCommandLine.Build("console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 acpi_rsdp=0xf59c0 elfcorehdr=1031540K", _defaults);

        line.Should().NotContain("elfcorehdr");
        line.Should().Contain("acpi_rsdp=0xf59c0");
    }

    [Fact]
    public void Quoted_values_stay_one_parameter_and_keep_their_quotes()
    {
        var line = CaptureCommandLine.Build("root=UUID=1234 dyndbg=\"file drivers/* +p\" \"acpi_osi=Windows 2020\" crashkernel=\"512M,high\" quiet", _defaults);

        line.Should().Be("root=UUID=1234 dyndbg=\"file drivers/* +p\" \"acpi_osi=Windows 2020\" quiet irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1");
    }

    [Fact]
    public void Every_repetition_of_a_removed_option_goes_and_repeated_kept_options_stay()
    {
        var line = CaptureCommandLine.Build(
            "console=tty0 crashkernel=1G-4G:192M,4G-64G:256M console=ttyS0,115200 crashkernel=128M,low hugepages=16 hugepagesz=1G default_hugepagesz=1G maxcpus=8 nr-cpus=4 kexec_jump_back_entry=0x1000",
            _defaults);

        line.Should().Be("console=tty0 console=ttyS0,115200 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1");
    }

    [Theory]
    [InlineData("console=ttyS0 kdumpd.capture irqpoll", true)]
    [InlineData("console=ttyS0 kdumpd.capture=1", true)]
    [InlineData("console=ttyS0 kdumpd.generation=4", true)]
    [InlineData("console=ttyS0 kdumpd.captured=1 irqpoll", false)]
    [InlineData("console=ttyS0 irqpoll", false)]
    public void One_contract_tells_a_capture_kernels_command_line(string line, bool capture)
    {
        CaptureCommandLine.IsCaptureKernel(line).Should().Be(capture);
    }

    [Fact]
    public void Init_arguments_after_double_dash_stay_last()
    {
        var line = CaptureCommandLine.WithGeneration(
            CaptureCommandLine.Build("BOOT_IMAGE=/vmlinuz crashkernel=256M ro -- single \"a b\" --x", _defaults with { Extras = ["panic=1"] }),
            7);

        line.Should().Be("BOOT_IMAGE=/vmlinuz ro irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug lockdown=confidentiality panic=1 kdumpd.capture=1 kdumpd.generation=7 -- single \"a b\" --x");
        CaptureCommandLine.GenerationOf(line).Should().Be(7);
        CaptureCommandLine.IsCaptureKernel(line).Should().BeTrue();
    }

    [Fact]
    public void Required_parameters_already_present_are_not_doubled_and_extras_are_appended_once()
    {
        var line = CaptureCommandLine.Build("irqpoll reset_devices console=ttyS0 usbcore.nousb", _defaults with { Extras = ["usbcore.nousb", "systemd.unit=kdump.service"] });

        line.Should().Be("console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality usbcore.nousb systemd.unit=kdump.service kdumpd.capture=1");
    }

    [Fact]
    public void An_operators_lockdown_none_replaces_the_locked_down_default()
    {
        var line = CaptureCommandLine.Build("console=ttyS0 lockdown=integrity", _defaults with { Extras = ["lockdown=none"] });

        line.Should().Be("console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=none kdumpd.capture=1");
    }

    [Fact]
    public void The_remove_list_is_configurable()
    {
        var line = CaptureCommandLine.Build("console=ttyS0 crashkernel=256M panic=1 quiet splash", _defaults with { Remove = ["crashkernel", "quiet", "splash"] });

        line.Should().Be("console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1");
    }

    [Fact]
    public void Generation_marker_is_replaced_not_repeated()
    {
        var once = CaptureCommandLine.WithGeneration("a kdumpd.capture=1", 3);

        CaptureCommandLine.WithGeneration(once, 4).Should().Be("a kdumpd.capture=1 kdumpd.generation=4");
    }

    [Fact]
    public void A_command_line_the_kernel_cannot_take_is_refused_with_its_length()
    {
        var running = string.Join(' ', Enumerable.Range(0, 300).Select(i => $"opt{i}=value"));

        var act = () => CaptureCommandLine.Build(running, _defaults);

        act.Should().Throw<CaptureCommandLineException>().WithMessage("*bytes*at most 2048*");
    }

    [Fact]
    public void Parse_splits_like_the_kernel()
    {
        var parsed = KernelCommandLine.Parse("  a=1  b=\"x y\" \"c=d e\" f  ");

        parsed.Parameters.Select(p => (p.Name, p.Value)).Should().Equal(("a", "1"), ("b", "x y"), ("c", "d e"), ("f", null));
        parsed.InitArguments.Should().BeNull();
    }

    [Fact]
    public void Rewriting_never_lets_a_removed_option_through_and_adds_each_required_one_once()
    {
        var names = Gen.OneOf(
            Gen.Const("crashkernel"), Gen.Const("panic"), Gen.Const("nr_cpus"), Gen.Const("nr-cpus"), Gen.Const("maxcpus"),
            Gen.Const("elfcorehdr"), Gen.Const("irqpoll"), Gen.Const("console"), Gen.Const("root"), Gen.Const("quiet"), Gen.Const("kdumpd.generation"));
        var values = Gen.OneOf(Gen.Const((string?)null), Gen.Const<string?>("1"), Gen.Const<string?>("\"a b\""), Gen.Const<string?>("256M"));
        var parameter = Gen.Select(names, values, (n, v) => v is null ? n : $"{n}={v}");

        parameter.List[0, 30].Sample(list =>
        {
            var line = CaptureCommandLine.Build(string.Join(' ', list), _defaults);
            var parsed = KernelCommandLine.Parse(line).Parameters;
            parsed.Should().NotContain(p => p.Is("crashkernel") || p.Is("maxcpus") || p.Is("elfcorehdr") || p.Is("kdumpd.generation"));
            parsed.Where(p => p.Is("panic")).Select(p => p.Raw).Should().Equal("panic=10");
            parsed.Count(p => p.Is("nr_cpus")).Should().Be(1);
            parsed.Count(p => p.Is("irqpoll")).Should().Be(1);
            parsed[^1].Raw.Should().Be("kdumpd.capture=1");
        });
    }
}
