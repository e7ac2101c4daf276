using BenchmarkDotNet.Running;
using CrossMargin.Disruptor.Benchmarks;

// Modes:
//   bdn [BenchmarkDotNet args]   1P1C throughput, ring vs Channels, with [MemoryDiagnoser]
//   latency [repetitions]        one-way latency at two offered rates (HdrHistogram) + burst throughput + ping-pong, medians over repetitions
//   pipeline [gap-us ...]        full risk pipeline (RiskProcessor in the loop): inputs/s, input-to-output latency at each offered gap (default 20 and 5 us)
string mode = args.Length > 0 ? args[0] : "latency";
switch (mode)
{
    case "bdn":
        BenchmarkSwitcher.FromTypes([typeof(ThroughputBenchmarks)]).Run(args[1..]);
        return 0;
    case "latency":
        int reps = args.Length > 1 && int.TryParse(args[1], out int r) && r > 0 ? r : 5;
        return LatencyHarness.Run(reps);
    case "pipeline":
        var gaps = args.Length > 1
            ? args[1..].Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : [20.0, 5.0];
        return PipelineHarness.Run(gaps);
    default:
        Console.Error.WriteLine("usage: CrossMargin.Disruptor.Benchmarks bdn [BenchmarkDotNet args] | latency [repetitions] | pipeline [gap-us ...]");
        return 2;
}
