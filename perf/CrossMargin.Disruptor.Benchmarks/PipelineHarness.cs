using System.Diagnostics;
using System.Globalization;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Pipeline;
using HdrHistogram;

namespace CrossMargin.Disruptor.Benchmarks;

/// <summary>Consumer-side state of the pipeline benchmark (written by the consumer thread only).</summary>
public sealed class PipelineRecorder
{
    public LongHistogram? Histogram;
    public long Outputs;
    public long Measured;
}

/// <summary>Outbound consumer: counts outputs; while a histogram is set, records publish → last output of the input.</summary>
public readonly struct LatencySink(PipelineRecorder recorder) : IEventHandler<OutboundEvent>
{
    public void OnEvent(ref OutboundEvent data, long sequence, bool endOfBatch)
    {
        recorder.Outputs++;
        if (data.LastOfInput && recorder.Histogram is { } h)
        {
            h.RecordValue(Stopwatch.GetTimestamp() - data.PublishedTicks);
            recorder.Measured++;
        }
    }

    public void OnBatchStart(long batchSize)
    {
    }

    public void OnStart()
    {
    }

    public void OnShutdown()
    {
    }
}

/// <summary>
/// The full risk pipeline with the risk processor in the loop: producer (this thread) → inbound ring →
/// RiskProcessor (engine) → outbound ring → consumer. A pre-generated mix over 1,024 accounts and
/// 4 instruments (orders 50 %, cancels 20 %, fills 15 %, marks 15 %) is replayed; each replay round
/// shifts order ids so they stay unique. Throughput: published as fast as possible. Latency: one input
/// every <c>gap</c> µs, stamped at publish, recorded when the consumer sees the input's last output
/// (inputs without output — most marks, fills and cancels — are not in the histogram).
/// Yielding waits (and a yielding producer pace loop): producer, processor and consumer are three threads.
/// </summary>
public static class PipelineHarness
{
    private const int Accounts = 1024;
    private const int MixLength = 1 << 20;
    private const long OrderIdStride = 1L << 32;
    private const int ThroughputRounds = 3;
    private const long PacedInputs = 200_000;

    private static readonly BracketSpec[] Brackets =
    [
        new("50000", "0.01", "0.005"),
        new("250000", "0.02", "0.01"),
        new("5000000", "0.05", "0.025"),
    ];

    private static readonly (string Id, string Tick, string Lot, string MaxPos, string MaxOrder, string MaxPrice, string Mark, long MarkTicks)[] Instruments =
    [
        ("BTC-PERP", "0.1", "0.001", "1000", "10", "1000000", "50000", 500_000),
        ("ETH-PERP", "0.01", "0.01", "10000", "100", "100000", "3000", 300_000),
        ("SOL-PERP", "0.001", "0.1", "1000000", "10000", "10000", "150", 150_000),
        ("XRP-PERP", "0.0001", "1", "10000000", "100000", "1000", "0.5", 5_000),
    ];

    public static int Run(double[] gapsMicros)
    {
        var capacities = new Capacities { Accounts = Accounts + 16, Instruments = 4, Assets = 1, OrdersPerAccount = 64 };
        var engine = new RiskEngine(capacities);
        engine.DefineSettlementAsset("USD", out _);
        foreach (var i in Instruments)
        {
            if (!engine.TryDefineInstrument(new InstrumentSpec(i.Id, i.Tick, i.Lot, Brackets, i.MaxPos, i.MaxOrder, i.MaxPrice, "0.2", i.Mark), out string? error))
            {
                throw new InvalidOperationException(error);
            }
        }

        for (int a = 1; a <= Accounts; a++)
        {
            engine.Process(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = 5_000_000L * 1_000_000 });
        }

        RiskInput[] mix = GenerateMix(seed: 42);
        DirectBaseline(capacities, mix);
        var recorder = new PipelineRecorder();
        using var pipeline = new RiskPipeline<YieldingWaitStrategy, LatencySink>(
            engine, new LatencySink(recorder), default, new RiskPipelineOptions { InboundSize = 4096, OutboundSize = 8192, ThreadName = "bench" });
        pipeline.Start();
        var timeout = TimeSpan.FromSeconds(60);
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        Console.WriteLine($"CrossMargin risk pipeline harness: {Environment.ProcessorCount} cores, {Accounts} accounts, 4 instruments, mix of {MixLength:N0} inputs " +
                          "(orders 50%, cancels 20%, fills 15%, marks 15%), rings 4096/8192, yielding waits, Stopwatch " + Stopwatch.Frequency.ToString("N0", CultureInfo.InvariantCulture) + " Hz");

        long round = 0;
        // Warm-up: one round at full speed, a short paced run.
        Replay(pipeline, mix, round++);
        var warmHistogram = new LongHistogram(10 * Stopwatch.Frequency, 3);
        recorder.Histogram = warmHistogram;
        ReplayPaced(pipeline, mix, round++, PacedInputs / 4, TicksOf(gapsMicros[0]));
        if (!pipeline.Drain(timeout)) throw new TimeoutException("warm-up did not drain");
        recorder.Histogram = null;

        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long inputsBefore = pipeline.Counters.Inputs, outputsBefore = pipeline.Counters.Outputs;
        long start = Stopwatch.GetTimestamp();
        for (int r = 0; r < ThroughputRounds; r++)
        {
            Replay(pipeline, mix, round++);
        }

        if (!pipeline.Drain(timeout)) throw new TimeoutException("throughput run did not drain");
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long inputs = pipeline.Counters.Inputs - inputsBefore, outputs = pipeline.Counters.Outputs - outputsBefore;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {inputs:N0} inputs in {seconds:F3} s = {inputs / seconds:N0} inputs/s ({outputs:N0} outputs, {outputs / seconds:N0} outputs/s), " +
            $"GC during run gen0/1/2 = {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}"));

        Console.WriteLine();
        Console.WriteLine($"{"offered rate",-22} {"measured",9} {"p50 ns",9} {"p99 ns",9} {"p99.9 ns",9} {"max ns",11} {"gen0",5} {"gen1",5} {"gen2",5}");
        foreach (double gap in gapsMicros)
        {
            var histogram = new LongHistogram(10 * Stopwatch.Frequency, 3);
            gen0 = GC.CollectionCount(0); gen1 = GC.CollectionCount(1); gen2 = GC.CollectionCount(2);
            recorder.Histogram = histogram;
            long measuredBefore = recorder.Measured;
            ReplayPaced(pipeline, mix, round++, PacedInputs, TicksOf(gap));
            if (!pipeline.Drain(timeout)) throw new TimeoutException("paced run did not drain");
            recorder.Histogram = null;
            string rate = string.Create(CultureInfo.InvariantCulture, $"1 every {gap} us ({1e6 / gap:N0}/s)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rate,-22} {recorder.Measured - measuredBefore,9:N0} {histogram.GetValueAtPercentile(50) * nsPerTick,9:N0} {histogram.GetValueAtPercentile(99) * nsPerTick,9:N0} " +
                $"{histogram.GetValueAtPercentile(99.9) * nsPerTick,9:N0} {histogram.GetMaxValue() * nsPerTick,11:N0} " +
                $"{GC.CollectionCount(0) - gen0,5} {GC.CollectionCount(1) - gen1,5} {GC.CollectionCount(2) - gen2,5}"));
        }

        Console.WriteLine();
        Console.WriteLine($"engine: {pipeline.Counters.Inputs:N0} inputs, {pipeline.Counters.InputErrors:N0} input errors, {pipeline.Counters.Outputs:N0} outputs, handler failures {pipeline.Failures}");
        if (!pipeline.Stop(timeout)) throw new TimeoutException("stop");
        return 0;
    }

    /// <summary>The same mix straight into an engine on this thread: the processor's ceiling.</summary>
    private static void DirectBaseline(Capacities capacities, RiskInput[] mix)
    {
        var engine = new RiskEngine(capacities);
        engine.DefineSettlementAsset("USD", out _);
        foreach (var i in Instruments)
        {
            engine.TryDefineInstrument(new InstrumentSpec(i.Id, i.Tick, i.Lot, Brackets, i.MaxPos, i.MaxOrder, i.MaxPrice, "0.2", i.Mark), out _);
        }

        for (int a = 1; a <= Accounts; a++)
        {
            engine.Process(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = 5_000_000L * 1_000_000 });
        }

        var perKind = new long[16];
        var countKind = new long[16];
        for (int round = 0; round < 2; round++)
        {
            long shift = round * OrderIdStride;
            long start = Stopwatch.GetTimestamp();
            for (int n = 0; n < mix.Length; n++)
            {
                RiskInput input = mix[n];
                input.OrderId += shift;
                long t0 = Stopwatch.GetTimestamp();
                engine.Process(in input);
                if (round == 1)
                {
                    perKind[(int)input.Kind] += Stopwatch.GetTimestamp() - t0;
                    countKind[(int)input.Kind]++;
                }
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (round == 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"direct engine (no rings, one thread, timed per input): {mix.Length / seconds:N0} inputs/s"));
                for (int k = 0; k < perKind.Length; k++)
                {
                    if (countKind[k] > 0)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(InputKind)k,-8} mean {perKind[k] * 1e9 / Stopwatch.Frequency / countKind[k],10:N0} ns"));
                    }
                }
            }
        }
    }

    private static long TicksOf(double micros) => Math.Max(1, (long)(micros * Stopwatch.Frequency / 1e6));

    private static void Replay<TWait, TConsumer>(RiskPipeline<TWait, TConsumer> pipeline, RiskInput[] mix, long round)
        where TWait : struct, IWaitStrategy
        where TConsumer : struct, IEventHandler<OutboundEvent>
    {
        long shift = round * OrderIdStride;
        for (int i = 0; i < mix.Length; i++)
        {
            RiskInput input = mix[i];
            input.OrderId += shift;
            pipeline.Publish(in input);
        }
    }

    private static void ReplayPaced<TWait, TConsumer>(RiskPipeline<TWait, TConsumer> pipeline, RiskInput[] mix, long round, long count, long gapTicks)
        where TWait : struct, IWaitStrategy
        where TConsumer : struct, IEventHandler<OutboundEvent>
    {
        long shift = round * OrderIdStride;
        long next = Stopwatch.GetTimestamp();
        for (long i = 0; i < count; i++)
        {
            next += gapTicks;
            // Yield while waiting: with three threads on two cores a spinning producer would take
            // the core the processor or consumer needs, and latency would become scheduler quanta.
            while (Stopwatch.GetTimestamp() < next)
            {
                Thread.Yield();
            }

            RiskInput input = mix[i % mix.Length];
            input.OrderId += shift;
            pipeline.Publish(in input);
        }
    }

    private static RiskInput[] GenerateMix(int seed)
    {
        var rng = new Random(seed);
        var mix = new RiskInput[MixLength];
        var marks = new long[Instruments.Length];
        for (int i = 0; i < marks.Length; i++) marks[i] = Instruments[i].MarkTicks;
        var lastOrder = new long[Accounts + 1];
        long orderId = 1;
        for (int n = 0; n < mix.Length; n++)
        {
            int instr = rng.Next(Instruments.Length);
            long account = rng.Next(1, Accounts + 1);
            long mark = marks[instr];
            Side side = rng.Next(2) == 0 ? Side.Buy : Side.Sell;
            int roll = rng.Next(100);
            if (roll < 50)
            {
                lastOrder[account] = orderId;
                mix[n] = new RiskInput
                {
                    Kind = InputKind.Order, Account = account, OrderId = orderId++, Instrument = instr, Side = side,
                    Qty = rng.Next(1, 2_000), Price = mark + rng.NextInt64(-mark / 50, mark / 50),
                };
            }
            else if (roll < 70)
            {
                mix[n] = new RiskInput { Kind = InputKind.Cancel, Account = account, OrderId = lastOrder[account] };
            }
            else if (roll < 85)
            {
                bool ordered = lastOrder[account] != 0 && rng.Next(2) == 0;
                mix[n] = new RiskInput
                {
                    Kind = InputKind.Fill, Account = account, Instrument = instr, Side = side, Qty = rng.Next(1, 1_000),
                    Price = Math.Max(1, mark + rng.NextInt64(-mark / 200, mark / 200)), HasOrderId = ordered, OrderId = ordered ? lastOrder[account] : 0,
                    HasFee = true, Fee = rng.NextInt64(0, 2_000_000),
                };
            }
            else
            {
                // Mean-reverting walk so replays stay in range.
                long step = rng.NextInt64(-mark / 500, mark / 500 + 1) + (Instruments[instr].MarkTicks - mark) / 100;
                marks[instr] = Math.Max(1, mark + step);
                mix[n] = new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = marks[instr] };
            }
        }

        return mix;
    }
}
