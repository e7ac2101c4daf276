using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// End to end through the gate over Aeron UDP on 127.0.0.1: a client on this thread with its own
/// embedded driver sends the <see cref="Market"/> mix open-loop (orders, cancels and fills on the
/// order-flow stream, marks on market data) to a <see cref="GateHost"/> gate in this process, and
/// records, for every order, decision received − intended send time (coordinated omission
/// corrected). Writes fragment "e2e".
/// </summary>
public static class EndToEndOpenLoop
{
    private const int MixLength = 1 << 19;
    private const int DueMask = (1 << 22) - 1;

    /// <summary>Runs every offered rate against one gate.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "e2e" };
        // Ports of our own, so a demo or test elsewhere on the machine does not collide with the benchmark.
        var config = GateConfig.LoadDefault() with
        {
            MarketData = new ChannelConfig("aeron:udp?endpoint=127.0.0.1:41456", 1001),
            OrderFlow = new ChannelConfig("aeron:udp?endpoint=127.0.0.1:41457", 1002),
            Decisions = new ChannelConfig("aeron:udp?endpoint=127.0.0.1:41458", 1003),
        };
        var market = new Market();
        var reference = config.BuildEngine();
        var prefill = market.Prefill(reference);
        Market.Apply(reference, prefill);
        RiskInput[] mix = market.Mix(reference, MixLength);
        int capacity = (int)OfferedRates.All.Max(r => r.PerSecond * OfferedRates.Seconds(r.PerSecond, o.Quick)) + 1;
        var client = new Client(config, capacity);
        using var gate = GateHost.Start(config);
        try
        {
            client.Connect(gate);
            client.SendAll(prefill, gate);
            long cursor = 0, round = 1;
            foreach (var (label, rate) in OfferedRates.All)
            {
                double seconds = OfferedRates.Seconds(rate, o.Quick);
                long count = (long)(rate * seconds);
                client.OpenLoop(mix, ref cursor, ref round, rate, Math.Min(count / 10, (long)(rate / 4)), record: false);
                client.Samples.Reset();
                var g0 = GcCounts.Now();
                var (achieved, missing) = client.OpenLoop(mix, ref cursor, ref round, rate, count, record: true);
                f.AddGc(GcCounts.Now().Since(g0));
                var row = f.AddLatency($"e2e/{label}/s", client.Samples);
                f.Figures[$"e2e_rtt_p50_ns_at_{label}_per_s"] = row.P50;
                f.Figures[$"e2e_rtt_p99_ns_at_{label}_per_s"] = row.P99;
                f.Figures[$"e2e_send_rate_at_{label}_per_s"] = achieved;
                if (label == "10k") f.Figures["e2e_rtt_p50_ns"] = row.P50;
                if (missing > 0) f.Notes.Add($"{label}/s: {missing:N0} order decisions not received within 30 s of the last send");
                Console.WriteLine($"end to end over Aeron {label,4}/s offered (send rate {achieved:N0}/s, {row.Count:N0} orders): " +
                                  $"p50 {row.P50:N0} p90 {row.P90:N0} p99 {row.P99:N0} p99.9 {row.P999:N0} p99.99 {row.P9999:N0} max {row.Max:N0} ns");
            }
            f.Notes.Add($"gate: default configuration on ports 41456–41458, yielding waits; gate network thread + risk thread + this client thread (with its own embedded driver) on {Environment.ProcessorCount} cores; decode rejects {gate.Counters.DecodeRejects}, sequence gaps {gate.Counters.SequenceGaps}");
            f.Notes.Add("e2e RTT = order's intended send time → its accepted/rejected decision decoded by the client (encode, Aeron send, gate poll, ring, engine, ring, Aeron send, client poll, decode)");
        }
        finally
        {
            client.Dispose();
            gate.Stop(TimeSpan.FromSeconds(10));
        }
        if (gate.Fault is not null) throw new InvalidOperationException("gate network thread failed", gate.Fault);
        return f;
    }

    private struct DecisionHandler(Client c) : IFragmentHandler
    {
        public readonly void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            if (OutputCodec.TryDecode(buffer, out RiskEvent e, out _) != DecodeResult.Ok) return;
            if (e.Kind is not (EventKind.Accepted or EventKind.Rejected)) return;
            long due = c.DueAt[e.OrderId & DueMask];
            if (due == 0) return;
            c.DueAt[e.OrderId & DueMask] = 0;
            c.Decisions++;
            if (c.Recording) c.Samples.RecordSince(due);
        }
    }

    private sealed class Client : IDisposable
    {
        private readonly EmbeddedDriver _driver = new();
        private readonly ExclusivePublication _marketData, _orderFlow;
        private readonly Subscription _decisions;
        private readonly byte[] _buffer = new byte[InputCodec.MaxLength];
        private long _mdSeq, _ofSeq;
        private DecisionHandler _handler;
        public readonly long[] DueAt = new long[DueMask + 1];
        public readonly LatencySamples Samples;
        public long Decisions;
        public bool Recording;

        public Client(GateConfig config, int capacity)
        {
            string Params(string ch) => ch + $"|mtu={config.Mtu}|term-length={config.TermLength}";
            _marketData = _driver.AddPublication(Params(config.MarketData.Channel), config.MarketData.StreamId);
            _orderFlow = _driver.AddPublication(Params(config.OrderFlow.Channel), config.OrderFlow.StreamId);
            _decisions = _driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
            Samples = new LatencySamples(capacity);
            _handler = new DecisionHandler(this);
        }

        private int Work() => _driver.DoWork() + _decisions.Poll(ref _handler, 256);

        public void Connect(IGate gate)
        {
            var sw = Stopwatch.StartNew();
            while (!(_marketData.IsConnected && _orderFlow.IsConnected && _decisions.IsConnected))
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(20) || gate.Fault is not null) throw new TimeoutException("client did not connect to the gate");
                Work();
                Thread.Yield();
            }
        }

        /// <summary>Sends start-up inputs as fast as accepted, then waits until the gate processed them.</summary>
        public void SendAll(List<RiskInput> inputs, IGate gate)
        {
            long target = gate.ProcessorCounters.Inputs + inputs.Count;
            foreach (var x in inputs)
                while (!Send(x)) Work();
            var sw = Stopwatch.StartNew();
            while (gate.ProcessorCounters.Inputs < target)
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("prefill not processed");
                Work();
                Thread.Yield();
            }
        }

        private bool Send(in RiskInput input)
        {
            bool md = input.Kind == InputKind.Mark;
            ref long seq = ref md ? ref _mdSeq : ref _ofSeq;
            int n = InputCodec.Encode(input, seq + 1, _buffer);
            if (n <= 0) throw new InvalidOperationException($"cannot encode {input.Kind}: {n}");
            if ((md ? _marketData : _orderFlow).Offer(_buffer.AsSpan(0, n)) < 0) return false;
            seq++;
            return true;
        }

        /// <summary>Open loop at <paramref name="rate"/>; returns the achieved send rate and the order decisions never received.</summary>
        public (double Achieved, long Missing) OpenLoop(RiskInput[] mix, ref long cursor, ref long round, double rate, long count, bool record)
        {
            Recording = record;
            double ticksPerInput = Stopwatch.Frequency / rate;
            long start = Stopwatch.GetTimestamp();
            long sent = 0, orders = 0, decisions0 = Decisions;
            while (sent < count)
            {
                int work = Work();
                long now = Stopwatch.GetTimestamp();
                for (int k = 0; k < 64 && sent < count; k++)
                {
                    long due = start + (long)(sent * ticksPerInput);
                    if (due > now) break;
                    if (cursor == mix.Length) { cursor = 0; round++; }
                    var x = Market.InRound(in mix[cursor], round);
                    if (x.Kind == InputKind.Order) DueAt[x.OrderId & DueMask] = due;
                    if (!Send(x))
                    {
                        if (x.Kind == InputKind.Order) DueAt[x.OrderId & DueMask] = 0;
                        break; // back-pressured: the same input again next cycle (its due time stays)
                    }
                    if (x.Kind == InputKind.Order) orders++;
                    cursor++;
                    sent++;
                    work++;
                }
                if (work == 0) Thread.Yield();
            }
            double achieved = count / Stopwatch.GetElapsedTime(start).TotalSeconds;
            var drain = Stopwatch.StartNew();
            while (Decisions - decisions0 < orders && drain.Elapsed < TimeSpan.FromSeconds(30))
                if (Work() == 0) Thread.Yield();
            Recording = false;
            return (achieved, orders - (Decisions - decisions0));
        }

        public void Dispose() => _driver.Dispose();
    }
}
