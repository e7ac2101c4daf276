using System.Diagnostics;
using System.Globalization;
using CrossMargin.Disruptor.WaitStrategies;
using HdrHistogram;

namespace CrossMargin.Disruptor.Benchmarks;

/// <summary>
/// One-way latency and burst throughput, 1 producer → 1 consumer, for the ring (busy-spin,
/// yielding) and bounded SPSC Channels, then round-trip (ping-pong) latency. Reports the median over
/// repetitions of each figure and the GC collections during the measured part. The producer stamps
/// Stopwatch.GetTimestamp() into the event; the consumer records now − stamp into an HdrHistogram.
/// </summary>
/// <remarks>
/// One-way latency is measured at two offered rates. At 1 event / 2 µs Channels cannot keep up on a
/// small machine, so its figure there is mostly queueing delay (kept for continuity with earlier
/// runs). At 1 event / 20 µs all three sustain the rate, so the figures compare latency, not backlog.
/// </remarks>
public static class LatencyHarness
{
    private const int RingSize = 1024;
    private const long BurstEvents = 5_000_000;
    private const long PingPongTrips = 50_000;

    // (gap between events in µs, events per repetition)
    private static readonly (double GapMicros, long Events)[] Rates = [(2.0, 200_000), (20.0, 50_000)];

    public static int Run(int repetitions)
    {
        Console.WriteLine($"CrossMargin.Disruptor latency harness: {Environment.ProcessorCount} cores, {repetitions} repetitions, ring {RingSize}, " +
                          $"burst {BurstEvents:N0} events, paced " + string.Join(" and ", Rates.Select(r => $"{r.Events:N0} events 1 every {r.GapMicros} us")) +
                          $", ping-pong {PingPongTrips:N0} round trips, Stopwatch {Stopwatch.Frequency:N0} Hz");
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
        Console.WriteLine("burst throughput (1P1C, as fast as possible)");
        Console.WriteLine($"{"pipeline",-14} {"ops/s",14} {"gen0",5} {"gen1",5} {"gen2",5}");
        foreach (Result r in results)
        {
            Console.WriteLine($"{r.Name,-14} {r.OpsPerSecond,14:N0} {r.Gen0,5} {r.Gen1,5} {r.Gen2,5}");
        }

        for (int k = 0; k < Rates.Length; k++)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one-way latency at 1 event every {Rates[k].GapMicros} us ({1e6 / Rates[k].GapMicros:N0}/s offered)") +
                              (k == 0 ? ": above what Channels sustains on 2 cores, its figures here are queueing" : ": a rate all three sustain"));
            Console.WriteLine($"{"pipeline",-14} {"p50 ns",9} {"p99 ns",9} {"p99.9 ns",9} {"max ns",11}");
            foreach (Result r in results)
            {
                var l = r.Paced[k];
                Console.WriteLine($"{r.Name,-14} {l.P50,9:N0} {l.P99,9:N0} {l.P999,9:N0} {l.Max,11:N0}");
            }
        }

        double channels = results[2].OpsPerSecond;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput ratio ring-busyspin/channels = {results[0].OpsPerSecond / channels:F2}x, ring-yielding/channels = {results[1].OpsPerSecond / channels:F2}x"));
        for (int k = 0; k < Rates.Length; k++)
        {
            double c50 = results[2].Paced[k].P50;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"p50 one-way latency ratio channels/ring at 1 per {Rates[k].GapMicros} us: busyspin {c50 / results[0].Paced[k].P50:F1}x lower, yielding {c50 / results[1].Paced[k].P50:F1}x lower"));
        }

        var trips = new List<(string Name, Latency L)>
        {
            MeasurePingPong(() => new RingPingPong<BusySpinWaitStrategy>("ring-busyspin", RingSize), repetitions),
            MeasurePingPong(() => new RingPingPong<YieldingWaitStrategy>("ring-yielding", RingSize), repetitions),
            MeasurePingPong(() => new ChannelPingPong(RingSize), repetitions),
        };
        Console.WriteLine();
        Console.WriteLine("round-trip (ping-pong) latency, one message in flight");
        Console.WriteLine($"{"pipeline",-14} {"p50 ns",9} {"p99 ns",9} {"p99.9 ns",9} {"max ns",11}");
        foreach (var (name, l) in trips)
        {
            Console.WriteLine($"{name,-14} {l.P50,9:N0} {l.P99,9:N0} {l.P999,9:N0} {l.Max,11:N0}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"p50 round-trip ratio channels/ring: busyspin {trips[2].L.P50 / trips[0].L.P50:F1}x lower, yielding {trips[2].L.P50 / trips[1].L.P50:F1}x lower"));
        return 0;
    }

    private sealed record Latency(double P50, double P99, double P999, double Max);

    private sealed record Result(string Name, double OpsPerSecond, Latency[] Paced, int Gen0, int Gen1, int Gen2);

    private static Latency Read(LongHistogram h, double nsPerTick) =>
        new(h.GetValueAtPercentile(50) * nsPerTick, h.GetValueAtPercentile(99) * nsPerTick, h.GetValueAtPercentile(99.9) * nsPerTick, h.GetMaxValue() * nsPerTick);

    private static Latency MedianOf(List<Latency> l) =>
        new(Median(l.Select(x => x.P50)), Median(l.Select(x => x.P99)), Median(l.Select(x => x.P999)), Median(l.Select(x => x.Max)));

    private static Result Measure(Func<IPipeline> create, int repetitions)
    {
        using IPipeline pipeline = create();
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        var histogram = new LongHistogram(10 * Stopwatch.Frequency, 3);
        long[] gaps = Rates.Select(r => Math.Max(1, (long)(r.GapMicros * 1000 / nsPerTick))).ToArray();

        // Warm-up: JIT to tier 1, fill caches, let the consumer settle.
        pipeline.RunBurst(BurstEvents / 5);
        for (int k = 0; k < Rates.Length; k++)
        {
            pipeline.RunPaced(Rates[k].Events / 5, gaps[k], histogram);
        }

        var ops = new double[repetitions];
        var paced = Rates.Select(_ => new List<Latency>()).ToArray();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        for (int rep = 0; rep < repetitions; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            pipeline.RunBurst(BurstEvents);
            ops[rep] = BurstEvents / Stopwatch.GetElapsedTime(start).TotalSeconds;
            var line = string.Create(CultureInfo.InvariantCulture, $"  {pipeline.Name,-14} rep {rep + 1}: {ops[rep],14:N0} ops/s");
            for (int k = 0; k < Rates.Length; k++)
            {
                histogram.Reset();
                pipeline.RunPaced(Rates[k].Events, gaps[k], histogram);
                var l = Read(histogram, nsPerTick);
                paced[k].Add(l);
                line += string.Create(CultureInfo.InvariantCulture, $"  [1/{Rates[k].GapMicros}us] p50 {l.P50:N0} p99 {l.P99:N0} p99.9 {l.P999:N0} max {l.Max:N0} ns");
            }

            Console.WriteLine(line);
        }

        return new Result(
            pipeline.Name, Median(ops), paced.Select(MedianOf).ToArray(),
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
    }

    private static (string, Latency) MeasurePingPong(Func<IPingPong> create, int repetitions)
    {
        using IPingPong pingPong = create();
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        var histogram = new LongHistogram(10 * Stopwatch.Frequency, 3);
        pingPong.Run(PingPongTrips / 5, histogram);
        var all = new List<Latency>();
        int gen0 = GC.CollectionCount(0);
        for (int rep = 0; rep < repetitions; rep++)
        {
            histogram.Reset();
            pingPong.Run(PingPongTrips, histogram);
            all.Add(Read(histogram, nsPerTick));
        }

        Console.WriteLine($"  ping-pong {pingPong.Name,-14} gen0 during measured part: {GC.CollectionCount(0) - gen0}");
        return (pingPong.Name, MedianOf(all));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
