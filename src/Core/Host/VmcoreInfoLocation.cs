namespace Kdumpd.Core.Host;

/// <summary>/sys/kernel/vmcoreinfo ("%pa %x": both hex): physical address and size of the VMCOREINFO note.</summary>
public sealed record VmcoreInfoLocation(ulong Address, ulong Size);
