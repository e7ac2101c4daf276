using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using HdrHistogram;

namespace CrossMargin.Gate.Demo;

/// <summary>What the simulated exchange saw of the gate's decisions.</summary>
public sealed class ExchangeStats
{
    /// <summary>Inputs sent (market data + order flow).</summary>
    public long Sent, MarketDataSent, OrdersSent, FillsSent, LiquidationFillsSent, DepositsSent, QueriesSent;
    /// <summary>Decisions received by kind.</summary>
    public long Accepted, Rejected, HealthEvents, ToLiquidating, CancelAlls, LiquidationOrders, Takeovers, AdlEvents, Snapshots, InputErrors, Other;
    /// <summary>Rejects by reason.</summary>
    public readonly long[] RejectReasons = new long[32];
    /// <summary>
    /// Order round trip corrected for coordinated omission: from the order's <i>intended</i> send
    /// time (its slot in the offered schedule) to its accepted/rejected decision, nanoseconds.
    /// Tracks up to an hour; anything longer is recorded as an hour and counted in <see cref="RoundTripsClamped"/>.
    /// </summary>
    public readonly LongHistogram OrderRoundTrip = new(MaxTrackableNs, 3);
    /// <summary>The same from the moment the order actually left (what an uncorrected harness reports).</summary>
    public readonly LongHistogram OrderRoundTripFromSend = new(MaxTrackableNs, 3);
    /// <summary>The corrected round trip in lock-free buckets, readable while the run goes on (live view, counters).</summary>
    public readonly Telemetry.LatencyBuckets LiveRoundTrip = new();
    /// <summary>RecoveryRequests from the gate for this exchange's order flow, inputs sent again from the sent log, and decisions dropped as duplicates (an output sequence already seen).</summary>
    public long RecoveryRequests, Replayed, DuplicateDecisions;
    /// <summary>RecoveryRequests ignored because their HMAC trailer was missing or wrong (with <c>security.hmacKeyFile</c>).</summary>
    public long RecoveryUnauthenticated;
    /// <summary>Round trips longer than the histogram tracks.</summary>
    public long RoundTripsClamped;
    /// <summary>Inputs the schedule offered by the end of the load phase (rate × duration).</summary>
    public long Offered;
    /// <summary>Inputs generated (the rest of the schedule was never generated because the gate held the exchange back).</summary>
    public long Generated;
    /// <summary>Seconds of load phase and of drain after it.</summary>
    public double LoadSeconds, DrainSeconds;
    /// <summary>True when the drain was cut at its bound with inputs or decisions still outstanding.</summary>
    public bool DrainCut;

    /// <summary>One hour in nanoseconds: the histograms' range.</summary>
    public const long MaxTrackableNs = 3_600_000_000_000;

    internal void RecordRoundTrip(long intendedTicks, long sentTicks, long now)
    {
        long corrected = Telemetry.LatencyBuckets.TicksToNs(now - intendedTicks), fromSend = Telemetry.LatencyBuckets.TicksToNs(now - sentTicks);
        if (corrected > MaxTrackableNs) { corrected = MaxTrackableNs; RoundTripsClamped++; }
        fromSend = Math.Min(fromSend, MaxTrackableNs);
        OrderRoundTrip.RecordValue(Math.Max(1, corrected));
        OrderRoundTripFromSend.RecordValue(Math.Max(1, fromSend));
        LiveRoundTrip.Record(corrected);
    }
}

/// <summary>
/// A toy exchange for the demo, on its own thread with its own embedded Aeron driver: it deposits
/// collateral for its accounts, sends orders near the mark, fills what the gate accepts, moves the
/// marks (with a crash and a recovery in the middle of the run), pays funding, answers every
/// liquidation order with a liquidation fill between the mark and the bankruptcy price, and reads
/// every decision back from the gate.
/// </summary>
public sealed class SimulatedExchange : IDisposable
{
    private readonly GateConfig _config;
    private readonly RiskEngine _reference; // definitions only: tick values, marks, limits
    private readonly int _accounts;
    private readonly double _rate;
    private readonly TimeSpan _duration;
    private readonly Thread _thread;
    private volatile bool _running = true;

    /// <summary>Starts the exchange thread.</summary>
    public SimulatedExchange(GateConfig config, int accounts, double inputsPerSecond, TimeSpan duration, int seed = 42)
    {
        _authentication = config.HmacKey is { } key ? new MessageAuthentication(key) : null;
        _config = config;
        _reference = config.BuildEngine();
        _accounts = accounts;
        _rate = inputsPerSecond;
        _duration = duration;
        _rng = new Random(seed);
        _thread = new Thread(Run) { IsBackground = true, Name = "sim-exchange" };
        _thread.Start();
    }

    /// <summary>Counters; read after <see cref="Dispose"/>.</summary>
    public ExchangeStats Stats { get; } = new();

    /// <summary>True once the run's duration has elapsed (or the thread ended).</summary>
    public bool Finished => !_thread.IsAlive || _done;

    /// <summary>A fault of the exchange thread.</summary>
    public Exception? Fault { get; private set; }

    private readonly Random _rng;
    private volatile bool _done;
    private ExclusivePublication _marketData = null!, _orderFlow = null!;
    private long _mdSequence, _ofSequence;
    private readonly byte[] _buffer = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
    private MessageAuthentication? _authentication;
    private RecoveryServer? _recovery;
    private long _lastDecision; // highest output sequence seen: a decision at or below it is a duplicate
    private readonly Queue<RiskInput> _pendingFlow = new(), _pendingMarketData = new();
    private readonly Dictionary<long, RiskInput> _accepted = [];
    private readonly List<long> _acceptedIds = [];
    private readonly Dictionary<(long, int), (Side Side, long Qty, long Price)> _liquidations = [];
    private readonly long[] _sentAt = new long[1 << 20];
    private readonly long[] _intendedAt = new long[1 << 20];
    private long _intendedTicks;

    /// <summary>Bound on the drain after the load phase: everything sent and answered, or this much time.</summary>
    public static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(5);
    private long _nextOrderId = 1;
    private long[] _startMark = [], _mark = [];
    private long _index;

    private void Run()
    {
        try
        {
            using var driver = new EmbeddedDriver();
            _marketData = driver.AddPublication(GateHost.WithTransportParams(_config.MarketData.Channel, _config), _config.MarketData.StreamId);
            _orderFlow = driver.AddPublication(GateHost.WithTransportParams(_config.OrderFlow.Channel, _config), _config.OrderFlow.StreamId);
            var decisions = driver.AddSubscription(_config.Decisions.Channel, _config.Decisions.StreamId);
            // The gate asks for missing order flow on the recovery channel: served from the last 64 Ki inputs sent.
            var recoveryRequests = _config.Recovery is { } rc ? driver.AddSubscription(rc.Channel, rc.StreamId) : null;
            _recovery = recoveryRequests is null ? null : new RecoveryServer(_orderFlow, 1 << 16, authentication: _authentication); // same thread as the inputs' signing
            var handler = new DecisionHandler(this);
            var idle = new YieldingIdleStrategy();
            _startMark = new long[_reference.InstrumentCount];
            for (int i = 0; i < _startMark.Length; i++) _startMark[i] = _reference.GetInstrument(i).MarkTicks;
            _mark = (long[])_startMark.Clone();
            if (_reference.AssetCount > 1) _index = _reference.GetAsset(1).IndexPriceMicros;

            // Connect, then fund every account.
            var connectDeadline = Stopwatch.StartNew();
            while (_running && !(_marketData.IsConnected && _orderFlow.IsConnected && decisions.IsConnected) && connectDeadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                driver.DoWork();
                decisions.Poll(ref handler, 64);
                idle.Idle(0);
            }
            for (long a = 1; a <= _accounts; a++)
            {
                _pendingFlow.Enqueue(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = _rng.NextInt64(2_000, 50_000) * 1_000_000 });
                if (_reference.AssetCount > 1 && _rng.Next(5) == 0)
                    _pendingFlow.Enqueue(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 1, Amount = _rng.NextInt64(1_000_000, 50_000_000) });
                Stats.DepositsSent++;
            }

            var clock = Stopwatch.StartNew();
            long start = Stopwatch.GetTimestamp();
            var quiet = Stopwatch.StartNew();
            long due = 0;
            bool generating = true;
            while (_running)
            {
                int received = decisions.Poll(ref handler, 256);
                int work = driver.DoWork() + received;
                if (received > 0) quiet.Restart();
                double t = clock.Elapsed.TotalSeconds;
                if (generating && t >= _duration.TotalSeconds)
                {
                    generating = false;
                    Stats.Offered = (long)(_duration.TotalSeconds * _rate);
                    Stats.Generated = due;
                    Stats.LoadSeconds = t;
                }
                if (generating)
                {
                    long target = (long)(t * _rate);
                    for (int k = 0; k < 64 && due < target && _pendingFlow.Count + _pendingMarketData.Count < 256; k++, due++)
                    {
                        // The slot this input has in the offered schedule: latency counts from here (coordinated omission).
                        _intendedTicks = start + (long)(due / _rate * Stopwatch.Frequency);
                        Generate(t / _duration.TotalSeconds);
                    }
                    Stats.Generated = due;
                }
                if (_recovery is not null)
                {
                    var server = _recovery;
                    work += recoveryRequests!.Poll(ref server, 16) + _recovery.DoWork();
                    (Stats.RecoveryRequests, Stats.Replayed, Stats.RecoveryUnauthenticated) = (_recovery.Requests, _recovery.Replayed, _recovery.Unauthenticated);
                }
                work += Flush(_pendingMarketData, _marketData, ref _mdSequence);
                work += Flush(_pendingFlow, _orderFlow, ref _ofSequence);
                // Drain: everything sent, every decision read (the stream quiet for 0.2 s), within DrainBound.
                bool sentAll = _pendingFlow.Count == 0 && _pendingMarketData.Count == 0;
                if (!generating && sentAll && quiet.Elapsed > TimeSpan.FromMilliseconds(200)) { Stats.DrainSeconds = t - Stats.LoadSeconds; break; }
                if (!generating && t > Stats.LoadSeconds + DrainBound.TotalSeconds) { Stats.DrainSeconds = t - Stats.LoadSeconds; Stats.DrainCut = true; break; }
                idle.Idle(work);
            }
        }
        catch (Exception ex) { Fault = ex; }
        finally { _done = true; }
    }

    private int Flush(Queue<RiskInput> queue, ExclusivePublication publication, ref long sequence)
    {
        int sent = 0;
        while (queue.Count > 0 && sent < 64)
        {
            if (!Send(publication, ref sequence, queue.Peek())) break;
            queue.Dequeue();
            sent++;
        }
        return sent;
    }

    private bool Send(ExclusivePublication publication, ref long sequence, in RiskInput input)
    {
        int n = InputCodec.Encode(input, sequence + 1, _buffer);
        if (n <= 0) throw new InvalidOperationException($"cannot encode {input.Kind}: {n}");
        if (_authentication is not null) n = _authentication.Sign(_buffer, n);
        if (publication.Offer(_buffer.AsSpan(0, n)) < 0) return false; // back-pressured: keep it for the next cycle
        sequence++;
        if (_recovery is not null && publication == _orderFlow) _recovery.Record(sequence, _buffer.AsSpan(0, n));
        Stats.Sent++;
        if (input.Kind == InputKind.Order) _sentAt[input.OrderId & (_sentAt.Length - 1)] = Stopwatch.GetTimestamp();
        return true;
    }

    /// <summary>One input of the workload at progress <paramref name="x"/> (0…1) of the run.</summary>
    private void Generate(double x)
    {
        int roll = _rng.Next(1000);
        int instr = _rng.Next(_reference.InstrumentCount);
        var ins = _reference.GetInstrument(instr);
        long account = _rng.Next(1, _accounts + 1);
        if (_liquidations.Count > 0 && roll < 150)
        {
            // Answer a liquidation order: a fill between the mark and the bankruptcy price.
            foreach (var (key, liq) in _liquidations)
            {
                var li = _reference.GetInstrument(key.Item2);
                long mark = _mark[key.Item2];
                long lo = Math.Min(liq.Price, mark), hi = Math.Max(liq.Price, mark);
                long price = Math.Clamp(_rng.NextInt64(lo, hi + 1), 1, li.MaxPriceTicks);
                _pendingFlow.Enqueue(new RiskInput { Kind = InputKind.Fill, Account = key.Item1, Instrument = key.Item2, Side = liq.Side, Qty = liq.Qty, Price = price, Liquidation = true });
                _liquidations.Remove(key);
                Stats.LiquidationFillsSent++;
                return;
            }
        }
        if (roll < 120)
        {
            // Mark: a random walk around a path that crashes 20% between 35% and 50% of the run and recovers by 75%.
            double level = x < 0.35 ? 1 : x < 0.5 ? 1 - 0.2 * (x - 0.35) / 0.15 : x < 0.75 ? 0.8 + 0.2 * (x - 0.5) / 0.25 : 1;
            long target = (long)(_startMark[instr] * level);
            long mark = Math.Clamp(target + _rng.NextInt64(-target / 400, target / 400 + 1), 1, ins.MaxPriceTicks);
            _mark[instr] = mark;
            _pendingMarketData.Enqueue(new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = mark });
            Stats.MarketDataSent++;
            return;
        }
        if (roll < 130 && _reference.AssetCount > 1)
        {
            long px = Math.Max(1, _index + _rng.NextInt64(-_index / 500, _index / 500 + 1));
            _index = px;
            _pendingMarketData.Enqueue(new RiskInput { Kind = InputKind.Index, Asset = 1, Price = px });
            Stats.MarketDataSent++;
            return;
        }
        if (roll < 133) { _pendingMarketData.Enqueue(new RiskInput { Kind = InputKind.Funding, Instrument = instr, Amount = _rng.Next(-100, 101) }); return; }
        if (roll < 140) { _pendingFlow.Enqueue(new RiskInput { Kind = InputKind.Query, Account = account }); Stats.QueriesSent++; return; }
        if (roll < 520 && _acceptedIds.Count > 0)
        {
            // Fill an accepted order at its limit, fee 2 bp of its notional.
            int k = _rng.Next(_acceptedIds.Count);
            long id = _acceptedIds[k];
            _acceptedIds[k] = _acceptedIds[^1];
            _acceptedIds.RemoveAt(_acceptedIds.Count - 1);
            var o = _accepted[id];
            _accepted.Remove(id);
            var oi = _reference.GetInstrument(o.Instrument);
            long fee = o.Qty * o.Price * oi.TickValue / 5000;
            _pendingFlow.Enqueue(new RiskInput { Kind = InputKind.Fill, Account = o.Account, OrderId = id, HasOrderId = true, Instrument = o.Instrument, Side = o.Side, Qty = o.Qty, Price = o.Price, Fee = fee, HasFee = true });
            Stats.FillsSent++;
            return;
        }
        if (roll < 620 && _acceptedIds.Count > 0)
        {
            int k = _rng.Next(_acceptedIds.Count);
            long id = _acceptedIds[k];
            var o = _accepted[id];
            _acceptedIds[k] = _acceptedIds[^1];
            _acceptedIds.RemoveAt(_acceptedIds.Count - 1);
            _accepted.Remove(id);
            _pendingFlow.Enqueue(new RiskInput { Kind = InputKind.Cancel, Account = o.Account, OrderId = id });
            return;
        }
        // An order near the mark, up to a tenth of maxOrder.
        long qty = _rng.NextInt64(1, Math.Max(2, ins.MaxOrderLots / 10));
        long offset = _mark[instr] * _rng.Next(-30, 31) / 10_000;
        var side = _rng.Next(2) == 0 ? Side.Buy : Side.Sell;
        var order = new RiskInput
        {
            Kind = InputKind.Order, Account = account, OrderId = _nextOrderId++, Instrument = instr, Side = side,
            Qty = qty, Price = Math.Clamp(_mark[instr] + offset, 1, ins.MaxPriceTicks), ReduceOnly = _rng.Next(20) == 0,
        };
        _sentOrders[order.OrderId] = order;
        _intendedAt[order.OrderId & (_intendedAt.Length - 1)] = _intendedTicks;
        _pendingFlow.Enqueue(order);
        Stats.OrdersSent++;
    }

    private struct DecisionHandler(SimulatedExchange x) : IFragmentHandler
    {
        public readonly void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            var s = x.Stats;
            // Consumers drop duplicates by output sequence (the frame's reserved value; 0 on a non-decision such as RecoveryUnavailable).
            if (header.ReservedValue != 0)
            {
                if (header.ReservedValue <= x._lastDecision) { s.DuplicateDecisions++; return; }
                x._lastDecision = header.ReservedValue;
            }
            if (MessageHeader.TryWrap(buffer, out var h) && h.TemplateId == InputErrorCodec.TemplateId) { s.InputErrors++; return; }
            if (OutputCodec.TryDecode(buffer, out RiskEvent e, out long inputSequence) != DecodeResult.Ok) { s.Other++; return; }
            switch (e.Kind)
            {
                case EventKind.Accepted:
                case EventKind.Rejected:
                {
                    long slot = e.OrderId & (x._sentAt.Length - 1);
                    long sent = x._sentAt[slot], intended = x._intendedAt[slot];
                    if (sent != 0 && intended != 0) s.RecordRoundTrip(intended, sent, Stopwatch.GetTimestamp());
                    if (e.Kind == EventKind.Rejected) { s.Rejected++; s.RejectReasons[(int)e.Reason]++; x._sentOrders.Remove(e.OrderId); break; }
                    s.Accepted++;
                    x.RememberAccepted(e.Account, e.OrderId);
                    break;
                }
                case EventKind.Health:
                    s.HealthEvents++;
                    if (e.To == HealthState.Liquidating) s.ToLiquidating++;
                    break;
                case EventKind.CancelAll: s.CancelAlls++; x.ForgetOrders(e.Account); break;
                case EventKind.LiquidationOrder:
                    s.LiquidationOrders++;
                    x._liquidations[(e.Account, e.Instrument)] = (e.Side, e.Qty, e.Price);
                    break;
                case EventKind.Takeover: s.Takeovers++; break;
                case EventKind.Adl: s.AdlEvents++; break;
                case EventKind.Account or EventKind.Fund: s.Snapshots++; break;
                default: s.Other++; break;
            }
        }
    }

    private void RememberAccepted(long account, long orderId)
    {
        if (!_sentOrders.Remove(orderId, out var o)) return;
        _accepted[orderId] = o;
        _acceptedIds.Add(orderId);
    }

    private void ForgetOrders(long account)
    {
        for (int k = _acceptedIds.Count - 1; k >= 0; k--)
        {
            long id = _acceptedIds[k];
            if (_accepted[id].Account != account) continue;
            _accepted.Remove(id);
            _acceptedIds[k] = _acceptedIds[^1];
            _acceptedIds.RemoveAt(_acceptedIds.Count - 1);
        }
    }

    private readonly Dictionary<long, RiskInput> _sentOrders = [];

    /// <summary>Stops the thread (waits for it).</summary>
    public void Dispose()
    {
        _running = false;
        _thread.Join();
    }
}
