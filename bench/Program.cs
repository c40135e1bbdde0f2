if (args is ["egress", .. var rest])
{
    return await Kdumpd.Bench.Egress.EgressBench.RunAsync(rest);
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
