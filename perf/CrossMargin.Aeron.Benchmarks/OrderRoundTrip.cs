using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Transport;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using HdrHistogram;

namespace CrossMargin.Aeron.Benchmarks;

/// <summary>
/// The order round trip exchange → gate → risk → exchange over loopback, open loop at fixed offered
/// rates, each order timed from its <i>intended</i> send time (so a stall delays every order behind it
/// in the histogram: coordinated omission corrected). Baselines in the same run: raw UDP at the same
/// rates and payloads (exchange thread → echo thread → exchange thread), and a closed-loop raw UDP
/// ping-pong of the order's payload.
/// </summary>
/// <remarks>
/// Inputs alternate order / cancel of that order (so open orders never pile up); only orders are
/// answered, so the order rate is half the input rate. The exchange is one thread with its own
/// embedded driver: it sends what is due, then polls decisions, yielding when idle.
/// </remarks>
public static class OrderRoundTrip
{
    private const int Accounts = 1000;
    private static readonly int[] Rates = [10_000, 100_000, 500_000];

    public static int Run(double seconds)
    {
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"Order round trip over 127.0.0.1, {seconds:F1} s per rate after a 1 s warm-up; latency from the intended send time");
        var config = LoopbackConfig();
        var reference = config.BuildEngine();
        int btc = reference.FindInstrument("BTC-PERP");
        long mark = reference.GetInstrument(btc).MarkTicks;
        byte[] order = new byte[InputCodec.MaxLength], accepted = new byte[OutputCodec.MaxLength];
        int orderLength = InputCodec.Encode(Order(1, 1, btc, mark), 1, order);
        int acceptedLength = OutputCodec.Encode(new RiskEvent { Kind = EventKind.Accepted, Account = 1, OrderId = 1, Instrument = btc }, 1, accepted);
        Console.WriteLine($"payload: order {orderLength} B, decision {acceptedLength} B (+32 B Aeron data header each way)");
        Console.WriteLine();
        Console.WriteLine("| path | offered inputs/s | orders | p50 us | p90 us | p99 us | p99.9 us | max us | GC gen0/1/2 | alloc B network+risk threads |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");

        var gateHistograms = new LongHistogram[Rates.Length];
        LongHistogram gateClosed;
        var rawHistograms = new LongHistogram[Rates.Length];
        using (var exchange = new GateExchange(config, btc, mark))
        {
            exchange.Measure(10_000, 1.0); // warm-up: JIT tiering, page faults, socket buffers
            for (int r = 0; r < Rates.Length; r++) gateHistograms[r] = exchange.Measure(Rates[r], seconds, print: true);
            gateClosed = exchange.MeasureClosedLoop(100_000);
            exchange.PrintDiagnostics();
        }
        using (var raw = new RawOpenLoop(order.AsSpan(0, orderLength), accepted.AsSpan(0, acceptedLength)))
        {
            raw.Measure(10_000, 1.0);
            for (int r = 0; r < Rates.Length; r++) rawHistograms[r] = raw.Measure(Rates[r], seconds, print: true);
        }
        LongHistogram pingPong;
        using (var closed = new LatencyHarness.RawPingPong(orderLength))
        {
            pingPong = LatencyHarness.Measure(orderLength, "raw UDP ping-pong (closed loop)", 100_000, closed.Run);
        }

        Console.WriteLine();
        Console.WriteLine("Gate order round trip / raw UDP at the same offered rate (target: p50 <= 1.5, p99 <= 3 at 100k/s)");
        Console.WriteLine("| offered inputs/s | p50 ratio | p99 ratio | p50 vs closed-loop raw ping-pong |");
        Console.WriteLine("|---|---|---|---|");
        for (int r = 0; r < Rates.Length; r++)
        {
            double p50 = gateHistograms[r].GetValueAtPercentile(50), p99 = gateHistograms[r].GetValueAtPercentile(99);
            Console.WriteLine($"| {Rates[r]:N0} | {p50 / rawHistograms[r].GetValueAtPercentile(50):F2} | {p99 / rawHistograms[r].GetValueAtPercentile(99):F2} | {p50 / pingPong.GetValueAtPercentile(50):F2} |");
        }
        Console.WriteLine($"| closed loop (one order in flight) | {gateClosed.GetValueAtPercentile(50) / (double)pingPong.GetValueAtPercentile(50):F2} | " +
                          $"{gateClosed.GetValueAtPercentile(99) / (double)pingPong.GetValueAtPercentile(99):F2} | (vs raw UDP ping-pong) |");
        return 0;
    }

    private static RiskInput Order(long account, long orderId, int instrument, long price) => new()
    {
        Kind = InputKind.Order, Account = account, OrderId = orderId, Instrument = instrument,
        Side = (orderId & 1) == 0 ? Side.Buy : Side.Sell, Qty = 1, Price = price,
    };

    private static GateConfig LoopbackConfig()
    {
        string json = GateConfig.DefaultJson()
            .Replace("127.0.0.1:40456", $"127.0.0.1:{FreePort()}")
            .Replace("127.0.0.1:40457", $"127.0.0.1:{FreePort()}")
            .Replace("127.0.0.1:40458", $"127.0.0.1:{FreePort()}");
        return GateConfig.Parse(json);
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static void Print(string path, int rate, LongHistogram h, string gc, string alloc)
    {
        static string Us(double ns) => (ns / 1000.0).ToString("F2");
        Console.WriteLine($"| {path} | {rate:N0} | {h.TotalCount:N0} | {Us(h.GetValueAtPercentile(50))} | {Us(h.GetValueAtPercentile(90))} | {Us(h.GetValueAtPercentile(99))} | " +
                          $"{Us(h.GetValueAtPercentile(99.9))} | {Us(h.GetMaxValue())} | {gc} | {alloc} |");
    }

    private static string GcCounts() => $"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}";

    /// <summary>The simulated exchange against a running gate: order flow out, decisions in, one thread.</summary>
    private sealed class GateExchange : IDisposable
    {
        private readonly IGate _gate;
        private readonly EmbeddedDriver _driver = new();
        private readonly ExclusivePublication _orderFlow;
        private readonly Subscription _decisions;
        private readonly int _instrument;
        private readonly long _price;
        private readonly byte[] _buffer = new byte[InputCodec.MaxLength];
        private long _sequence;   // sender sequence of the last input sent
        private long _orderId;

        public GateExchange(GateConfig config, int instrument, long price)
        {
            _gate = GateHost.Start(config, trackAllocations: true);
            _orderFlow = _driver.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
            _decisions = _driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
            _instrument = instrument;
            _price = price;
            var idle = new DecisionTimer();
            long deadline = NanoClock.NanoTime() + 10_000_000_000;
            while (!(_orderFlow.IsConnected && _decisions.IsConnected))
            {
                if (NanoClock.NanoTime() > deadline) throw new TimeoutException("the gate did not connect");
                _driver.DoWork();
                _decisions.Poll(ref idle, 16);
                Thread.Yield();
            }
            for (long a = 1; a <= Accounts; a++)
            {
                Send(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = 10_000_000L * 1_000_000 });
            }
            while (_gate.ProcessorCounters.Inputs < Accounts)
            {
                _driver.DoWork();
                _decisions.Poll(ref idle, 64);
            }
        }

        private void Send(in RiskInput input)
        {
            int n = InputCodec.Encode(input, ++_sequence, _buffer);
            while (_orderFlow.Offer(_buffer.AsSpan(0, n)) < 0) _driver.DoWork();
        }

        /// <summary>Offers <paramref name="rate"/> inputs/s for <paramref name="seconds"/>; returns the orders' latency from their intended send times.</summary>
        public LongHistogram Measure(int rate, double seconds, bool print = false)
        {
            long inputs = (long)(rate * seconds) & ~1L;
            var histogram = new LongHistogram(60L * 1_000_000_000, 3);
            var timer = new DecisionTimer
            {
                Histogram = histogram,
                FirstSequence = _sequence + 1,
                IntervalNs = 1_000_000_000.0 / rate,
            };
            long networkBefore = _gate.Counters.NetworkThreadAllocatedBytes.Value;
            long riskBefore = _gate.ProcessorCounters.ProcessorThreadAllocatedBytes;
            string gcBefore = GcCounts();
            long start = NanoClock.NanoTime() + 1_000_000;
            timer.StartNs = start;
            long sent = 0, orders = inputs / 2;
            long deadline = start + (long)(seconds * 1e9) + 30_000_000_000;
            while (histogram.TotalCount < orders)
            {
                long now = NanoClock.NanoTime();
                if (now > deadline) { Console.Error.WriteLine($"gate-rtt {rate}/s: timed out with {histogram.TotalCount}/{orders} answered"); break; }
                int work = 0;
                while (sent < inputs && start + (long)(sent * timer.IntervalNs) <= now)
                {
                    if (!TrySendDue(sent)) break; // back-pressured: stays due, its latency grows from the intended time
                    sent++;
                    work++;
                }
                work += _driver.DoWork();
                work += _decisions.Poll(ref timer, 64);
                if (work == 0) Thread.Yield();
            }
            if (print)
            {
                long network = _gate.Counters.NetworkThreadAllocatedBytes.Value - networkBefore;
                long risk = _gate.ProcessorCounters.ProcessorThreadAllocatedBytes - riskBefore;
                Print("gate (Aeron, risk engine)", rate, histogram, $"{gcBefore} -> {GcCounts()}", $"{network}+{risk}");
            }
            return histogram;
        }

        /// <summary>One order in flight at a time: the round trip the "16 µs vs 5.3 µs" compares.</summary>
        public LongHistogram MeasureClosedLoop(int orders)
        {
            var histogram = new LongHistogram(60L * 1_000_000_000, 3);
            var timer = new DecisionTimer { Histogram = histogram, IntervalNs = 0 };
            string gcBefore = GcCounts();
            for (int i = 0; i < orders; i++)
            {
                long sendAt = NanoClock.NanoTime();
                timer.FirstSequence = _sequence + 1;
                timer.StartNs = sendAt;
                while (!TrySendDue(0)) _driver.DoWork();
                TrySendDue(1); // its cancel: no decision
                long count = histogram.TotalCount;
                while (histogram.TotalCount == count)
                {
                    _driver.DoWork();
                    _decisions.Poll(ref timer, 16);
                }
            }
            Print("gate closed loop", 0, histogram, $"{gcBefore} -> {GcCounts()}", "-");
            return histogram;
        }

        private bool TrySendDue(long index)
        {
            long orderId = (index & 1) == 0 ? ++_orderId : _orderId;
            long account = 1 + orderId % Accounts;
            RiskInput input = (index & 1) == 0
                ? Order(account, orderId, _instrument, _price)
                : new RiskInput { Kind = InputKind.Cancel, Account = account, OrderId = orderId };
            int n = InputCodec.Encode(input, _sequence + 1, _buffer);
            long result = _orderFlow.TryClaim(n, out BufferClaim claim);
            if (result == PublicationResult.AdminAction) result = _orderFlow.TryClaim(n, out claim);
            if (result < 0)
            {
                if ((index & 1) == 0) _orderId--;
                return false;
            }
            _buffer.AsSpan(0, n).CopyTo(claim.Buffer);
            claim.Commit();
            _sequence++;
            return true;
        }

        public void PrintDiagnostics()
        {
            var c = _gate.Counters;
            Console.Error.WriteLine($"gate: inputs {c.InputsPublished}, decisions {c.DecisionsSent}, back-pressure {c.DecisionBackPressure}, throttled {c.InboundThrottled}, " +
                                   $"decode rejects {c.DecodeRejects}, gaps {c.SequenceGaps}; exchange NAKs {_decisions.ImageAt(0).NaksSent}, retransmits {_orderFlow.RetransmitsSent}");
        }

        public void Dispose()
        {
            _gate.Stop(TimeSpan.FromSeconds(10));
            _gate.Dispose();
            _driver.Dispose();
        }
    }

    /// <summary>Records each order's latency from its intended send time (its sender sequence names it).</summary>
    private struct DecisionTimer : IFragmentHandler
    {
        public LongHistogram? Histogram;
        public long FirstSequence, StartNs;
        public double IntervalNs;

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            if (Histogram is null) return;
            long now = NanoClock.NanoTime();
            if (OutputCodec.TryDecode(buffer, out RiskEvent e, out long sequence) != DecodeResult.Ok) return;
            if (e.Kind is not (EventKind.Accepted or EventKind.Rejected) || sequence < FirstSequence) return;
            long intended = StartNs + (long)((sequence - FirstSequence) * IntervalNs);
            Histogram.RecordValue(Math.Max(0, now - intended));
        }
    }

    /// <summary>Raw UDP at a fixed rate: exchange socket → echo thread (answers with the decision's bytes) → exchange socket.</summary>
    private sealed class RawOpenLoop : IDisposable
    {
        private readonly UdpTransport _exchange = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly UdpTransport _echo = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly SocketAddressV4 _toEcho, _toExchange;
        private readonly byte[] _request, _reply;
        private readonly Thread _thread;
        private volatile bool _running = true;

        public RawOpenLoop(ReadOnlySpan<byte> request, ReadOnlySpan<byte> reply)
        {
            _request = request.ToArray();
            _reply = reply.ToArray();
            _toEcho = SocketAddressV4.From(_echo.LocalEndPoint);
            _toExchange = SocketAddressV4.From(_exchange.LocalEndPoint);
            _thread = new Thread(EchoLoop) { IsBackground = true, Name = "raw-echo" };
            _thread.Start();
        }

        private void EchoLoop()
        {
            byte[] buffer = new byte[2048];
            byte[] reply = (byte[])_reply.Clone();
            while (_running)
            {
                int n = _echo.Receive(buffer, out _);
                if (n <= 0) { Thread.Yield(); continue; }
                // The reply carries the request's index where the decision carries the input sequence.
                BinaryPrimitives.WriteInt64LittleEndian(reply, BinaryPrimitives.ReadInt64LittleEndian(buffer));
                while (!_echo.Send(reply, _toExchange)) { }
            }
        }

        public LongHistogram Measure(int rate, double seconds, bool print = false)
        {
            long orders = (long)(rate * seconds) / 2; // the same number of answered messages as the gate run
            double intervalNs = 1_000_000_000.0 / (rate / 2.0);
            var histogram = new LongHistogram(60L * 1_000_000_000, 3);
            byte[] request = (byte[])_request.Clone(), buffer = new byte[2048];
            string gcBefore = GcCounts();
            long start = NanoClock.NanoTime() + 1_000_000, sent = 0;
            // Bare UDP has no repair: a datagram dropped by a full socket buffer never answers. Stop 2 s
            // after the last send and report the loss (the gate's path NAKs and resends instead).
            long deadline = start + (long)(seconds * 1e9) + 2_000_000_000;
            while (histogram.TotalCount < orders)
            {
                long now = NanoClock.NanoTime();
                if (now > deadline) { Console.Error.WriteLine($"raw {rate}/s: {orders - histogram.TotalCount} of {orders} datagrams lost"); break; }
                int work = 0;
                while (sent < orders && start + (long)(sent * intervalNs) <= now)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(request, sent);
                    if (!_exchange.Send(request, _toEcho)) break;
                    sent++;
                    work++;
                }
                int n;
                while ((n = _exchange.Receive(buffer, out _)) > 0)
                {
                    long index = BinaryPrimitives.ReadInt64LittleEndian(buffer);
                    histogram.RecordValue(Math.Max(0, NanoClock.NanoTime() - (start + (long)(index * intervalNs))));
                    work++;
                }
                if (work == 0) Thread.Yield();
            }
            if (print) Print("raw UDP (echo thread)", rate, histogram, $"{gcBefore} -> {GcCounts()}", "-");
            return histogram;
        }

        public void Dispose()
        {
            _running = false;
            _thread.Join();
            _exchange.Dispose();
            _echo.Dispose();
        }
    }
}
