using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;
using CrossMargin.Disruptor;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Bench.Rings;

/// <summary>Consumer state (consumer thread writes, the producer reads after the handoff).</summary>
public sealed class RingConsumerState(int capacity)
{
    /// <summary>Sum of values (keeps the consumer's work observable).</summary>
    public long Checksum;
    /// <summary>One-way latencies of stamped events.</summary>
    public readonly LatencySamples Samples = new(capacity);
}

/// <summary>Our consumer: sums, and records now − stamp for stamped events.</summary>
public readonly struct RecordingHandler(RingConsumerState state) : IEventHandler<RingEvent>
{
    /// <inheritdoc />
    public void OnEvent(ref RingEvent data, long sequence, bool endOfBatch)
    {
        state.Checksum += data.Value;
        if (data.Stamp != 0) state.Samples.RecordSince(data.Stamp);
    }

    /// <inheritdoc />
    public void OnBatchStart(long batchSize) { }
    /// <inheritdoc />
    public void OnStart() { }
    /// <inheritdoc />
    public void OnShutdown() { }
}

/// <summary>
/// Our ring and Channels under <see cref="RingWorkload"/>, plus the core-to-core handoff limit
/// (a padded ping-pong of one cache line). Writes fragment "ring".
/// </summary>
public static class RingPeers
{
    /// <summary>Runs every contender; returns the fragment.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "ring" };
        int paced = RingWorkload.PacedEvents(o.Quick);

        var ringState = new RingConsumerState(paced);
        using (var ring = new OurRing(ringState))
            Measure(f, "ring", o, ringState, ring.Burst, ring.Paced);

        var chState = new RingConsumerState(paced);
        using (var ch = new ChannelPeer(chState))
            Measure(f, "channels", o, chState, ch.Burst, ch.Paced);

        double handoff = Handoff.MedianRoundTripNs(o.Quick ? 200_000 : 1_000_000) / 2;
        f.Figures["core_handoff_p50_ns"] = handoff;
        Console.WriteLine($"core-to-core handoff (ping-pong RTT/2) p50 {handoff:F0} ns");
        f.Notes.Add($"1P1C, ring {RingWorkload.RingSize}, busy-spin; burst {RingWorkload.BurstEvents(o.Quick):N0} events × up to {RingWorkload.BurstReps(o.Quick)} reps within {RingWorkload.BurstBudgetSeconds(o.Quick)} s (median); paced 1 per {RingWorkload.PacedGapNs / 1000} µs, {paced:N0} events; on 2 cores the spinning producer and consumer occupy both");
        return f;
    }

    private static void Measure(Fragment f, string name, Options o, RingConsumerState state, Action<long> burst, Action<int, long> pacedRun)
    {
        long events = RingWorkload.BurstEvents(o.Quick);
        int paced = RingWorkload.PacedEvents(o.Quick);
        // Warm-up by time (tier-1 JIT of both loops), as the Java peer does.
        Warm.For(Warm.Seconds(o.Quick), () => burst(1_000_000));
        Warm.For(Warm.Seconds(o.Quick) / 2, () => pacedRun(2_000, Clock.ToTicks(RingWorkload.PacedGapNs)));
        var g0 = GcCounts.Now();
        var all = new double[RingWorkload.BurstReps(o.Quick)];
        int reps = 0;
        double spent = 0;
        while (reps < all.Length && (reps == 0 || spent < RingWorkload.BurstBudgetSeconds(o.Quick)))
        {
            long t0 = Stopwatch.GetTimestamp();
            burst(events);
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            spent += s;
            all[reps++] = events / s;
        }
        var ops = all[..reps];
        state.Samples.Reset();
        pacedRun(paced, Clock.ToTicks(RingWorkload.PacedGapNs));
        f.AddGc(GcCounts.Now().Since(g0));
        Array.Sort(ops);
        double median = ops[ops.Length / 2];
        var row = f.AddLatency($"ring1p1c/{name}", state.Samples);
        f.Figures[$"{name}_throughput_ops_s"] = median;
        f.Figures[$"{name}_p50_ns"] = row.P50;
        f.Figures[$"{name}_p99_ns"] = row.P99;
        f.Figures[$"{name}_burst_reps"] = ops.Length;
        Console.WriteLine($"{name,-9} burst {median,14:N0} ops/s (sorted reps {string.Join(", ", ops.Select(x => x.ToString("N0")))}); paced one-way p50 {row.P50:N0} p99 {row.P99:N0} p99.9 {row.P999:N0} max {row.Max:N0} ns");
    }

    /// <summary>Spins until the Stopwatch passes <paramref name="when"/>.</summary>
    public static void SpinUntil(long when)
    {
        while (Stopwatch.GetTimestamp() < when) { }
    }

    private sealed class OurRing : IDisposable
    {
        private readonly RingBuffer<RingEvent> _ring = new(RingWorkload.RingSize);
        private readonly SingleProducerSequencer _seq = new(RingWorkload.RingSize, default(BusySpinWaitStrategy));
        private readonly BatchEventProcessor<RingEvent, RecordingHandler, BusySpinWaitStrategy> _processor;
        private readonly ProcessorThread _thread;

        public OurRing(RingConsumerState state)
        {
            _processor = BatchEventProcessor.Create(_ring, _seq.NewBarrier<BusySpinWaitStrategy>(), new RecordingHandler(state));
            _seq.AddGatingSequences(_processor.Sequence);
            _thread = ProcessorThread.Start(_processor, "bench-ring");
            if (!_thread.WaitUntilRunning(TimeSpan.FromSeconds(10))) throw new InvalidOperationException("ring consumer did not start");
        }

        public void Burst(long count)
        {
            var seq = _seq;
            var ring = _ring;
            for (long i = 0; i < count; i++)
            {
                long s = seq.Next();
                ref RingEvent e = ref ring[s];
                e.Value = i;
                e.Stamp = 0;
                seq.Publish(s);
            }
            WaitForConsumer();
        }

        public void Paced(int count, long gapTicks)
        {
            var seq = _seq;
            var ring = _ring;
            long next = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                next += gapTicks;
                SpinUntil(next);
                long stamp = Stopwatch.GetTimestamp();
                long s = seq.Next();
                ref RingEvent e = ref ring[s];
                e.Value = i;
                e.Stamp = stamp;
                seq.Publish(s);
            }
            WaitForConsumer();
        }

        private void WaitForConsumer()
        {
            long target = _seq.Cursor.Value;
            while (_processor.Sequence.Value < target) Thread.SpinWait(1);
        }

        public void Dispose() => _thread.Stop(TimeSpan.FromSeconds(10));
    }

    /// <summary>Bounded single-reader/single-writer channel: TryWrite spin on the producer, the idiomatic WaitToReadAsync/TryRead consumer.</summary>
    private sealed class ChannelPeer : IDisposable
    {
        private readonly Channel<RingEvent> _channel = Channel.CreateBounded<RingEvent>(new BoundedChannelOptions(RingWorkload.RingSize)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = false,
        });
        private readonly RingConsumerState _state;
        private readonly Task _consumer;
        private long _consumed;

        public ChannelPeer(RingConsumerState state)
        {
            _state = state;
            _consumer = Task.Run(ConsumeAsync);
        }

        private async Task ConsumeAsync()
        {
            var reader = _channel.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                long consumed = _consumed;
                while (reader.TryRead(out RingEvent e))
                {
                    _state.Checksum += e.Value;
                    if (e.Stamp != 0) _state.Samples.RecordSince(e.Stamp);
                    consumed++;
                }
                Volatile.Write(ref _consumed, consumed);
            }
        }

        public void Burst(long count)
        {
            long target = Volatile.Read(ref _consumed) + count;
            var w = _channel.Writer;
            for (long i = 0; i < count; i++)
            {
                var e = new RingEvent { Value = i };
                while (!w.TryWrite(e)) Thread.SpinWait(1);
            }
            while (Volatile.Read(ref _consumed) < target) Thread.SpinWait(1);
        }

        public void Paced(int count, long gapTicks)
        {
            long target = Volatile.Read(ref _consumed) + count;
            var w = _channel.Writer;
            long next = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                next += gapTicks;
                SpinUntil(next);
                var e = new RingEvent { Value = i, Stamp = Stopwatch.GetTimestamp() };
                while (!w.TryWrite(e)) Thread.SpinWait(1);
            }
            while (Volatile.Read(ref _consumed) < target) Thread.SpinWait(1);
        }

        public void Dispose()
        {
            _channel.Writer.Complete();
            _consumer.Wait(TimeSpan.FromSeconds(10));
        }
    }
}

/// <summary>Two threads bouncing a counter through two cache lines: the floor of any cross-core handoff.</summary>
public static class Handoff
{
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Lines
    {
        [FieldOffset(64)] public long Ping;
        [FieldOffset(128)] public long Pong;
    }

    private sealed class Box
    {
        public Lines L;
    }

    /// <summary>Median round trip in ns over <paramref name="trips"/> trips (after as many warm-up trips).</summary>
    public static double MedianRoundTripNs(int trips)
    {
        var box = new Box();
        int total = 2 * trips;
        var echo = new Thread(() =>
        {
            for (long i = 1; i <= total; i++)
            {
                while (Volatile.Read(ref box.L.Ping) != i) { }
                Volatile.Write(ref box.L.Pong, i);
            }
        }) { IsBackground = true, Name = "bench-handoff" };
        echo.Start();
        var samples = new LatencySamples(trips);
        for (long i = 1; i <= total; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Volatile.Write(ref box.L.Ping, i);
            while (Volatile.Read(ref box.L.Pong) != i) { }
            if (i > trips) samples.RecordSince(t0);
        }
        echo.Join();
        return samples.Summarize().P50;
    }
}
