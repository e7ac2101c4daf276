using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Bench.Measure;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// The exchange side of the gate benchmarks: its own embedded driver, publications on order flow
/// and market data (each numbered from 1), a decisions subscription, and an open-loop sender of a
/// <see cref="Market"/> mix that records, per order, decision time − intended send time.
/// Single-threaded: every member is called on the thread that drives it.
/// </summary>
public sealed class GateClient : IDisposable
{
    private const int DueMask = (1 << 22) - 1;
    private readonly EmbeddedDriver _driver = new();
    private readonly ExclusivePublication _marketData, _orderFlow;
    private readonly Subscription _decisions;
    private readonly byte[] _buffer = new byte[InputCodec.MaxLength];
    private long _mdSeq, _ofSeq;
    private DecisionHandler _handler;
    /// <summary>Intended send time per live order id (masked); 0 when none is due.</summary>
    public readonly long[] DueAt = new long[DueMask + 1];
    /// <summary>Order decision latencies recorded while <see cref="Recording"/>.</summary>
    public readonly LatencySamples Samples;
    /// <summary>Order decisions (accepted or rejected) received for orders with a due time.</summary>
    public long Decisions;
    /// <summary>Whether decisions are recorded into <see cref="Samples"/>.</summary>
    public bool Recording;

    /// <summary>The gate's default configuration with its three channels on 127.0.0.1 <paramref name="ports"/> (market data, order flow, decisions).</summary>
    public static GateConfig LoopbackConfig(params int[] ports) => GateConfig.LoadDefault() with
    {
        MarketData = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[0]}", 1001),
        OrderFlow = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[1]}", 1002),
        Decisions = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[2]}", 1003),
    };

    /// <summary>Publications and subscription on <paramref name="config"/>'s channels; room for <paramref name="capacity"/> latency samples.</summary>
    public GateClient(GateConfig config, int capacity)
    {
        string Params(string ch) => ch + $"|mtu={config.Mtu}|term-length={config.TermLength}";
        _marketData = _driver.AddPublication(Params(config.MarketData.Channel), config.MarketData.StreamId);
        _orderFlow = _driver.AddPublication(Params(config.OrderFlow.Channel), config.OrderFlow.StreamId);
        _decisions = _driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
        Samples = new LatencySamples(capacity);
        _handler = new DecisionHandler(this);
    }

    /// <summary>One duty cycle: driver work and decision polling; returns the work done.</summary>
    public int Work() => _driver.DoWork() + _decisions.Poll(ref _handler, 256);

    /// <summary>Waits (up to 20 s) until both publications and the subscription are connected to <paramref name="gate"/>.</summary>
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

    /// <summary>Inputs sent so far on market data and on order flow.</summary>
    public long Sent => _mdSeq + _ofSeq;

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

    /// <summary>
    /// Open loop at <paramref name="rate"/>; returns the achieved send rate and the order decisions never
    /// received. With <paramref name="mirrorOddRounds"/> every odd round of the mix trades the other side,
    /// so positions return to where they started every two rounds (a soak's state stays bounded).
    /// </summary>
    public (double Achieved, long Missing) OpenLoop(RiskInput[] mix, ref long cursor, ref long round, double rate, long count, bool record,
        bool mirrorOddRounds = false)
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
                if (mirrorOddRounds && (round & 1) == 1 && x.Kind is InputKind.Order or InputKind.Fill) x.Side = x.Side == Side.Buy ? Side.Sell : Side.Buy;
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

    /// <summary>Closes the client's driver (its publications end; the gate sees the images go).</summary>
    public void Dispose() => _driver.Dispose();

    private struct DecisionHandler(GateClient c) : IFragmentHandler
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
}
