using Kdumpd.Core.Host;
using Kdumpd.Core.Initrd;

namespace Kdumpd.Core.Tests.Initrd;

public sealed class KernelModuleIndexTests
{
    private const string Release = "6.1.0-57-amd64";

    private static KernelModuleIndex Index() => KernelModuleIndex.Read(Fixtures.Host("qemu-6.1-virtio-ext4"), Release);

    [Fact]
    public void Ext4_on_virtio_loads_every_dependency_before_the_module_that_needs_it()
    {
        var order = Index().Closure(["virtio_pci", "virtio_blk", "ext4"], out var unknown).Select(m => m.Name).ToList();

        Assert.Empty(unknown);
        Assert.Equal(order.Distinct(), order);
        Assert.True(order.IndexOf("virtio") < order.IndexOf("virtio_pci"));
        Assert.True(order.IndexOf("virtio_ring") < order.IndexOf("virtio_blk"));
        Assert.True(order.IndexOf("jbd2") < order.IndexOf("ext4"));
        Assert.True(order.IndexOf("mbcache") < order.IndexOf("ext4"));
        Assert.True(order.IndexOf("crc16") < order.IndexOf("ext4"));
    }

    [Fact]
    public void Ext4s_soft_dependency_on_crc32c_resolves_through_the_alias_and_comes_first()
    {
        var order = Index().Closure(["ext4"], out _).Select(m => m.Name).ToList();

        // modules.softdep: "softdep ext4 pre: crypto-crc32c"; modules.alias names both implementations.
        Assert.Contains("crc32c_generic", order);
        Assert.Contains("crc32c_intel", order);
        Assert.True(order.IndexOf("crc32c_generic") < order.IndexOf("ext4"));
    }

    [Fact]
    public void Built_in_modules_need_nothing_and_unknown_names_are_reported()
    {
        var index = Index();

        var order = index.Closure(["exportfs", "not_a_module", "ext4"], out var unknown);

        Assert.Contains(order, m => m.Name == "ext4");
        Assert.Equal(["not_a_module"], unknown);
        Assert.True(index.IsBuiltin("exportfs"));
        Assert.DoesNotContain(order, m => m.Name == "exportfs");
    }

    [Fact]
    public void Module_names_treat_dash_and_underscore_alike_and_keep_the_file_path()
    {
        var module = Index().Closure(["dm-crypt"], out _)[^1];

        Assert.Equal(new KernelModuleFile("dm_crypt", "kernel/drivers/md/dm-crypt.ko"), module);
        Assert.False(module.Compressed);
        Assert.True(new KernelModuleFile("x", "kernel/x.ko.xz").Compressed);
    }

    [Fact]
    public void A_modules_dep_line_without_a_colon_is_refused_with_its_line_number()
    {
        using var scratch = new ScratchHost();
        scratch.Write($"/lib/modules/{Release}/modules.dep", "kernel/a.ko:\nkernel/b.ko kernel/a.ko\n");

        var error = Assert.Throws<HostFileException>(() => KernelModuleIndex.Read(scratch.HostRoot, Release));

        Assert.Equal(2, error.Line);
    }
}
