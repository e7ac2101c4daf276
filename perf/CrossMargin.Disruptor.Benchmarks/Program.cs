using BenchmarkDotNet.Running;
using CrossMargin.Disruptor.Benchmarks;

// Modes:
//   bdn [BenchmarkDotNet args]   1P1C throughput, ring vs Channels, with [MemoryDiagnoser]
//   latency [repetitions]        one-way latency (HdrHistogram) + throughput, medians over repetitions
string mode = args.Length > 0 ? args[0] : "latency";
switch (mode)
{
    case "bdn":
        BenchmarkSwitcher.FromTypes([typeof(ThroughputBenchmarks)]).Run(args[1..]);
        return 0;
    case "latency":
        int reps = args.Length > 1 && int.TryParse(args[1], out int r) && r > 0 ? r : 5;
        return LatencyHarness.Run(reps);
    default:
        Console.Error.WriteLine("usage: CrossMargin.Disruptor.Benchmarks bdn [BenchmarkDotNet args] | latency [repetitions]");
        return 2;
}
