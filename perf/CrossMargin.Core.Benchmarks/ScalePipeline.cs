using System.Diagnostics;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;
using HdrHistogram;

namespace CrossMargin.Core.Benchmarks;

/// <summary>A ring slot of the scale pipeline: the input and when it was published.</summary>
internal struct PipelineSlot
{
    public RiskInput Input;
    public long PublishedAt;
}

/// <summary>What the risk thread shares with the producer (written by the risk thread only).</summary>
internal sealed class PipelineState
{
    public LongHistogram? Latency; // set while a paced phase is measured
    public long Processed;
}

/// <summary>
/// The risk processor of the scale pipeline: processes each input of the batch it holds and, through the
/// two-stage look-ahead, prefetches the accounts of the inputs 8 and 16 slots ahead in the same batch.
/// </summary>
internal struct LookAheadRiskHandler(RiskEngine engine, RingBuffer<PipelineSlot> ring, PipelineState state) : IEventHandler<PipelineSlot>
{
    private long _batchSize, _end;
    private bool _first;

    public void OnBatchStart(long batchSize) { _batchSize = batchSize; _first = true; }

    public void OnEvent(ref PipelineSlot data, long sequence, bool endOfBatch)
    {
        if (_first) { _end = sequence + _batchSize - 1; _first = false; }
        if (sequence + 16 <= _end) engine.PrefetchLookup(ring[sequence + 16].Input);
        if (sequence + 8 <= _end) engine.Prefetch(ring[sequence + 8].Input);
        engine.Process(data.Input);
        if (state.Latency is { } h) h.RecordValue(Stopwatch.GetTimestamp() - data.PublishedAt);
        state.Processed++;
    }

    public readonly void OnStart() { }
    public readonly void OnShutdown() { }
}

/// <summary>
/// <c>pipeline</c> line of the scale mode: a single producer → ring (65,536 slots, yielding wait) → the
/// look-ahead risk handler over 100k accounts. The mix (stationary, so it can repeat): 15 % marks (±1–10
/// ticks around 50,000), 15 % accepted orders and 15 % their cancels, 25 % insufficient-margin rejects,
/// 20 % fills (1 lot, buy then sell back), 10 % deposits and withdrawals of $1.
/// </summary>
internal static class ScalePipeline
{
    public static void Run(int accounts, bool quick)
    {
        var engine = Scale.Population(accounts, Trigger.TriggerMode.Index);
        var mix = Mix(engine, accounts, 1 << 20);
        double alone = ProcessorAlone(engine, mix);
        const int Size = 1 << 16;
        var ring = new RingBuffer<PipelineSlot>(Size);
        var sequencer = new SingleProducerSequencer(Size, new YieldingWaitStrategy());
        var state = new PipelineState();
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new LookAheadRiskHandler(engine, ring, state));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "risk");
        thread.WaitUntilRunning(TimeSpan.FromSeconds(10));
        long orderIdShift = 0;

        void Publish(int k, long at)
        {
            long s = sequencer.Next();
            ref var slot = ref ring[s];
            slot.Input = mix[k & (mix.Length - 1)];
            if (slot.Input.Kind is InputKind.Order or InputKind.Cancel) slot.Input.OrderId += orderIdShift;
            slot.PublishedAt = at;
            sequencer.Publish(s);
            if ((k & (mix.Length - 1)) == mix.Length - 1) orderIdShift += 1L << 32; // fresh order ids each round
        }

        void Drain(long target) { while (Volatile.Read(ref state.Processed) < target) Thread.Yield(); }

        // Throughput: publish as fast as the ring admits.
        long total = quick ? 1L << 20 : 1L << 22;
        for (int k = 0; k < mix.Length; k++) Publish(k, 0); // warm-up round
        Drain(mix.Length);
        var gc = GcCounts.Now();
        long t0 = Clock.Now();
        for (long k = 0; k < total; k++) Publish((int)k, 0);
        Drain(mix.Length + total);
        double seconds = Clock.Ns(Clock.Now() - t0) / 1e9;
        double perSecond = total / seconds;

        // Latency at 1M inputs/s: one input every microsecond, publish → processed.
        var latency = new LongHistogram(Stopwatch.Frequency, 3);
        long paced = quick ? 200_000 : 1_000_000;
        long before = Volatile.Read(ref state.Processed);
        state.Latency = latency;
        long ticksPerInput = Math.Max(1, Stopwatch.Frequency / 1_000_000);
        long next = Stopwatch.GetTimestamp();
        for (long k = 0; k < paced; k++)
        {
            while (Stopwatch.GetTimestamp() < next) { }
            Publish((int)(k + total), next);
            next += ticksPerInput;
        }
        Drain(before + paced);
        state.Latency = null;
        var g = GcCounts.Now().Since(gc);
        thread.Stop(TimeSpan.FromSeconds(10));
        double p99Ns = latency.GetValueAtPercentile(99) * 1e9 / Stopwatch.Frequency;
        Console.Out.WriteLine($"{{\"bench\":\"pipeline\",\"accounts\":{accounts},\"inputs_per_s\":{perSecond:F0},\"p99_ns_at_1M_per_s\":{p99Ns:F0}}}");
        Console.Error.WriteLine($"  pipeline: the risk processor alone (same mix, same look-ahead, no ring, one thread): {alone:F0} inputs/s");
        Console.Error.WriteLine($"  pipeline: {total:N0} inputs in {seconds:F2} s; paced median {latency.GetValueAtPercentile(50) * 1e9 / Stopwatch.Frequency:F0} ns; gc {g}; processor failures {processor.EventFailures}");
    }

    /// <summary>
    /// The processor's own rate: two rounds of the mix (fresh order ids the second time, as the ring run
    /// does) through <see cref="RiskEngine.Process"/> on this thread with the same two-stage look-ahead,
    /// batches of 64, the second round timed. Separates the engine's cost from the ring hand-off and
    /// from the producer, which share the machine's two cores.
    /// </summary>
    private static double ProcessorAlone(RiskEngine engine, RiskInput[] mix)
    {
        const int Batch = 64;
        long t0 = 0;
        for (int round = 0; round < 2; round++)
        {
            if (round == 1) t0 = Clock.Now();
            long shift = (round + 1L) << 48;
            for (int b = 0; b < mix.Length; b += Batch)
            {
                int end = Math.Min(mix.Length, b + Batch);
                for (int k = b; k < end; k++)
                {
                    if (k + 16 < end) engine.PrefetchLookup(mix[k + 16]);
                    if (k + 8 < end) engine.Prefetch(mix[k + 8]);
                    var input = mix[k];
                    if (input.Kind is InputKind.Order or InputKind.Cancel) input.OrderId += shift;
                    engine.Process(input);
                }
            }
        }
        return mix.Length / (Clock.Ns(Clock.Now() - t0) / 1e9);
    }

    private static RiskInput[] Mix(RiskEngine engine, int accounts, int length)
    {
        var mix = new RiskInput[length];
        long orderId = 1;
        for (int k = 0; k < length;)
        {
            long id = Workload.AccountId((int)((ulong)(k * 2654435761L) % (ulong)accounts));
            long q = engine.PositionLots(id, 0);
            Side same = q > 0 ? Side.Buy : Side.Sell, other = q > 0 ? Side.Sell : Side.Buy;
            int roll = (int)((ulong)(k * 40503L + 17) % 100);
            if (roll < 15) mix[k++] = Workload.Mark(0, 500_000 + (k % 2 == 0 ? 1 : -1) * (1 + k % 10));
            else if (roll < 45 && k + 1 < length)
            {
                // An accepted reduce-side order (no margin needed) and its cancel.
                mix[k++] = Workload.Order(id, orderId, 0, other, 1, 500_000);
                mix[k++] = Workload.Cancel(id, orderId++);
            }
            else if (roll < 70) mix[k++] = Workload.Order(id, orderId++, 0, same, 9_000, 500_000);
            else if (roll < 90 && k + 1 < length)
            {
                mix[k++] = Workload.Fill(id, 0, Side.Buy, 1, 500_000);
                mix[k++] = Workload.Fill(id, 0, Side.Sell, 1, 500_000);
            }
            else if (k + 1 < length)
            {
                mix[k++] = Workload.Deposit(id, 1_000_000);
                mix[k++] = new RiskInput { Kind = InputKind.Withdraw, Account = id, Asset = 0, Amount = 1_000_000 };
            }
            else mix[k++] = Workload.Mark(0, 500_000);
        }
        return mix;
    }
}
