using System.Diagnostics;
using System.Globalization;
using CrossMargin.Disruptor.WaitStrategies;
using HdrHistogram;

namespace CrossMargin.Disruptor.Benchmarks;

/// <summary>
/// One-way latency and burst throughput, 1 producer → 1 consumer, for the ring (busy-spin,
/// yielding) and bounded SPSC Channels. Reports the median over repetitions of each figure and the
/// GC collections during the measured part. The producer stamps Stopwatch.GetTimestamp() into the
/// event; the consumer records now − stamp into an HdrHistogram.
/// </summary>
public static class LatencyHarness
{
    private const int RingSize = 1024;
    private const long BurstEvents = 5_000_000;
    private const long PacedEvents = 200_000;
    private const double PacedGapMicros = 2.0;

    public static int Run(int repetitions)
    {
        Console.WriteLine($"CrossMargin.Disruptor latency harness: {Environment.ProcessorCount} cores, {repetitions} repetitions, ring {RingSize}, " +
                          $"burst {BurstEvents:N0} events, paced {PacedEvents:N0} events 1 every {PacedGapMicros} us, Stopwatch {Stopwatch.Frequency:N0} Hz");
        if (Environment.ProcessorCount <= 2)
        {
            Console.WriteLine("note: 2 cores: the busy-spin consumer and the spinning producer occupy both cores.");
        }

        var results = new List<Result>
        {
            Measure(() => new RingPipeline<BusySpinWaitStrategy>("ring-busyspin", RingSize), repetitions),
            Measure(() => new RingPipeline<YieldingWaitStrategy>("ring-yielding", RingSize), repetitions),
            Measure(() => new ChannelPipeline(RingSize), repetitions),
        };

        Console.WriteLine();
        Console.WriteLine($"{"pipeline",-14} {"ops/s",14} {"p50 ns",9} {"p99 ns",9} {"p99.9 ns",9} {"max ns",11} {"gen0",5} {"gen1",5} {"gen2",5}");
        foreach (Result r in results)
        {
            Console.WriteLine($"{r.Name,-14} {r.OpsPerSecond,14:N0} {r.P50,9:N0} {r.P99,9:N0} {r.P999,9:N0} {r.Max,11:N0} {r.Gen0,5} {r.Gen1,5} {r.Gen2,5}");
        }

        double channels = results[2].OpsPerSecond;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput ratio ring-busyspin/channels = {results[0].OpsPerSecond / channels:F2}x, ring-yielding/channels = {results[1].OpsPerSecond / channels:F2}x"));
        return 0;
    }

    private sealed record Result(string Name, double OpsPerSecond, double P50, double P99, double P999, double Max, int Gen0, int Gen1, int Gen2);

    private static Result Measure(Func<IPipeline> create, int repetitions)
    {
        using IPipeline pipeline = create();
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        long gapTicks = Math.Max(1, (long)(PacedGapMicros * 1000 / nsPerTick));
        var histogram = new LongHistogram(10 * Stopwatch.Frequency, 3);

        // Warm-up: JIT to tier 1, fill caches, let the consumer settle.
        pipeline.RunBurst(BurstEvents / 5);
        pipeline.RunPaced(PacedEvents / 5, gapTicks, histogram);

        var ops = new double[repetitions];
        var p50 = new double[repetitions];
        var p99 = new double[repetitions];
        var p999 = new double[repetitions];
        var max = new double[repetitions];
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        for (int rep = 0; rep < repetitions; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            pipeline.RunBurst(BurstEvents);
            ops[rep] = BurstEvents / Stopwatch.GetElapsedTime(start).TotalSeconds;

            histogram.Reset();
            pipeline.RunPaced(PacedEvents, gapTicks, histogram);
            p50[rep] = histogram.GetValueAtPercentile(50) * nsPerTick;
            p99[rep] = histogram.GetValueAtPercentile(99) * nsPerTick;
            p999[rep] = histogram.GetValueAtPercentile(99.9) * nsPerTick;
            max[rep] = histogram.GetMaxValue() * nsPerTick;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {pipeline.Name,-14} rep {rep + 1}: {ops[rep],14:N0} ops/s  p50 {p50[rep]:N0} ns  p99 {p99[rep]:N0} ns  p99.9 {p999[rep]:N0} ns  max {max[rep]:N0} ns"));
        }

        return new Result(
            pipeline.Name, Median(ops), Median(p50), Median(p99), Median(p999), Median(max),
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
