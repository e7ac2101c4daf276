using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Transport;
using HdrHistogram;

namespace CrossMargin.Aeron.Benchmarks;

/// <summary>
/// Stopwatch + HdrHistogram harness over loopback. Ping-pong: the pinger and the ponger each own an embedded
/// driver on their own busy-spinning thread (two "hosts"). The raw-UDP baseline does the same round trip with
/// bare datagrams through the same non-blocking socket path, so the difference is the Aeron protocol work.
/// </summary>
public static class LatencyHarness
{
    private const int ThroughputRuns = 3;

    public static int Run(int messages)
    {
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"Ping-pong RTT over 127.0.0.1, {messages:N0} round trips after {messages / 4:N0} warm-up, each size Aeron then raw UDP in the same run");
        Console.WriteLine("| payload B | transport | p50 us | p90 us | p99 us | p99.9 us | max us | mean us | GC gen0/1/2 | alloc B |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var ratios = new List<string>();
        foreach (int payload in new[] { 32, 288, 1344 })
        {
            LongHistogram aeron, raw;
            using (var pingPong = new AeronPingPong(payload))
            {
                aeron = Measure(payload, "Aeron UDP (embedded driver)", messages, pingPong.Run);
                Console.Error.WriteLine(pingPong.Diagnostics);
            }
            using (var pingPong = new RawPingPong(payload)) raw = Measure(payload, "raw UDP socket", messages, pingPong.Run);
            ratios.Add($"| {payload} | {aeron.GetValueAtPercentile(50) / (double)raw.GetValueAtPercentile(50):F2} | {aeron.GetValueAtPercentile(99) / (double)raw.GetValueAtPercentile(99):F2} | {aeron.GetValueAtPercentile(99.9) / (double)raw.GetValueAtPercentile(99.9):F2} |");
        }
        Console.WriteLine();
        Console.WriteLine("Aeron / raw UDP RTT ratio");
        Console.WriteLine("| payload B | p50 | p99 | p99.9 |");
        Console.WriteLine("|---|---|---|---|");
        ratios.ForEach(Console.WriteLine);
        Console.WriteLine();

        Console.WriteLine("Throughput, publisher thread -> subscriber thread over 127.0.0.1 (term-length 16m, mtu 1408)");
        Console.WriteLine("| payload B | messages | run | msgs/s | MB/s payload | GC gen0/1/2 | alloc B (pub+sub threads) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var medians = new List<string>();
        foreach ((int length, long count) in new[] { (32, 10_000_000L), (288, 4_000_000L), (1344, 1_000_000L) })
        {
            var rates = new List<double>();
            for (int run = 1; run <= ThroughputRuns; run++) rates.Add(Throughput(length, count, run));
            rates.Sort();
            double median = rates[rates.Count / 2];
            medians.Add($"| {length} | {median:N0} | {median * length / 1e6:F1} |");
        }
        Console.WriteLine();
        Console.WriteLine($"Throughput, median of {ThroughputRuns} runs");
        Console.WriteLine("| payload B | msgs/s | MB/s payload |");
        Console.WriteLine("|---|---|---|");
        medians.ForEach(Console.WriteLine);
        return 0;
    }

    internal static LongHistogram Measure(int payload, string name, int messages, Action<int, LongHistogram?> pingPong)
    {
        pingPong(messages / 4, null); // warm-up: JIT tiering, socket buffers
        var histogram = new LongHistogram(60L * 1_000_000_000, 3); // ns, up to 60 s
        var gc = GcSnapshot.Take();
        pingPong(messages, histogram);
        var delta = gc.Delta();
        double us(double ns) => ns / 1000.0;
        Console.WriteLine($"| {payload} | {name} | {us(histogram.GetValueAtPercentile(50)):F2} | {us(histogram.GetValueAtPercentile(90)):F2} | {us(histogram.GetValueAtPercentile(99)):F2} | " +
                          $"{us(histogram.GetValueAtPercentile(99.9)):F2} | {us(histogram.GetMaxValue()):F2} | {us(histogram.GetMean()):F2} | {delta} |");
        return histogram;
    }

    /// <summary>Two hosts (embedded drivers) on loopback; the ponger spins on its own thread.</summary>
    private sealed class AeronPingPong : IDisposable
    {
        private readonly EmbeddedDriver _pingHost = new();
        private readonly EmbeddedDriver _pongHost = new();
        private readonly Subscription _pingSub;
        private readonly Subscription _pongSub;
        private readonly ExclusivePublication _pingPub;
        private readonly ExclusivePublication _pongPub;
        private readonly Thread _ponger;
        private readonly byte[] _payload;
        private volatile bool _running = true;

        public AeronPingPong(int payloadLength)
        {
            _payload = new byte[payloadLength];
            _pingSub = _pongHost.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1002);
            _pongSub = _pingHost.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1003);
            _pingPub = _pingHost.AddPublication($"aeron:udp?endpoint=127.0.0.1:{_pingSub.LocalEndPoint.Port}", 1002);
            _pongPub = _pongHost.AddPublication($"aeron:udp?endpoint=127.0.0.1:{_pongSub.LocalEndPoint.Port}", 1003);
            while (!(_pingPub.IsConnected && _pongPub.IsConnected && _pingSub.IsConnected && _pongSub.IsConnected))
            {
                _pingHost.DoWork();
                _pongHost.DoWork();
            }
            _ponger = new Thread(() =>
            {
                var echo = new Echo(_pongHost, _pongPub);
                while (_running)
                {
                    _pongHost.DoWork();
                    _pingSub.Poll(ref echo, 16);
                }
            }) { IsBackground = true, Name = "pong" };
            _ponger.Start();
        }

        public void Run(int messages, LongHistogram? histogram)
        {
            var receiver = new PongReceiver();
            for (int i = 0; i < messages; i++)
            {
                long start = Stopwatch.GetTimestamp();
                BinaryPrimitives.WriteInt64LittleEndian(_payload, start);
                while (_pingPub.Offer(_payload) < 0) _pingHost.DoWork();
                receiver.Received = false;
                while (!receiver.Received)
                {
                    _pingHost.DoWork();
                    _pongSub.Poll(ref receiver, 1);
                }
                histogram?.RecordValue(ElapsedNs(start));
            }
        }

        public string Diagnostics =>
            $"ping: naks {_pingSub.ImageAt(0).NaksSent} retransmits {_pongPub.RetransmitsSent}; pong: naks {_pongSub.ImageAt(0).NaksSent} retransmits {_pingPub.RetransmitsSent}";

        public void Dispose()
        {
            _running = false;
            _ponger.Join();
            _pingHost.Dispose();
            _pongHost.Dispose();
        }
    }

    internal static long ElapsedNs(long startTimestamp) =>
        (long)((Stopwatch.GetTimestamp() - startTimestamp) * (1_000_000_000.0 / Stopwatch.Frequency));

    private struct PongReceiver : IFragmentHandler
    {
        public bool Received;
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header) => Received = true;
    }

    private readonly struct Echo(EmbeddedDriver driver, ExclusivePublication publication) : IFragmentHandler
    {
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            while (publication.Offer(buffer) < 0) driver.DoWork();
            driver.DoWork(); // send now rather than on the next cycle
        }
    }

    /// <summary>The same round trip with bare datagrams through the same non-blocking socket path.</summary>
    internal sealed class RawPingPong : IDisposable
    {
        private readonly UdpTransport _a = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly UdpTransport _b = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly SocketAddressV4 _toB;
        private readonly SocketAddressV4 _toA;
        private readonly Thread _ponger;
        private readonly byte[] _payload;
        private readonly byte[] _reply = new byte[2048];
        private volatile bool _running = true;

        public RawPingPong(int payloadLength)
        {
            _payload = new byte[payloadLength];
            _toB = SocketAddressV4.From(_b.LocalEndPoint);
            _toA = SocketAddressV4.From(_a.LocalEndPoint);
            _ponger = new Thread(() =>
            {
                byte[] buffer = new byte[2048];
                while (_running)
                {
                    int n = _b.Receive(buffer, out _);
                    if (n > 0) _b.Send(buffer.AsSpan(0, n), _toA);
                }
            }) { IsBackground = true, Name = "raw-pong" };
            _ponger.Start();
        }

        public void Run(int messages, LongHistogram? histogram)
        {
            for (int i = 0; i < messages; i++)
            {
                long start = Stopwatch.GetTimestamp();
                BinaryPrimitives.WriteInt64LittleEndian(_payload, start);
                _a.Send(_payload, _toB);
                while (_a.Receive(_reply, out _) == 0)
                {
                }
                histogram?.RecordValue(ElapsedNs(start));
            }
        }

        public void Dispose()
        {
            _running = false;
            _ponger.Join();
            _a.Dispose();
            _b.Dispose();
        }
    }

    private static double Throughput(int length, long count, int run)
    {
        using var subHost = new EmbeddedDriver();
        using var pubHost = new EmbeddedDriver();
        Subscription sub = subHost.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1001);
        ExclusivePublication pub = pubHost.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}", 1001);
        while (!(pub.IsConnected && sub.IsConnected))
        {
            pubHost.DoWork();
            subHost.DoWork();
        }

        var counter = new Counter();
        long subAllocated = 0;
        var gc = GcSnapshot.Take();
        var subscriber = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            while (Volatile.Read(ref counter.Messages) < count)
            {
                subHost.DoWork();
                sub.Poll(ref counter, 256);
            }
            subAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true, Name = "subscriber" };

        byte[] message = new byte[length];
        var sw = Stopwatch.StartNew();
        subscriber.Start();
        long pubBefore = GC.GetAllocatedBytesForCurrentThread();
        for (long sent = 0; sent < count;)
        {
            long result = pub.Offer(message);
            if (result > 0) sent++;
            else pubHost.DoWork();
            if ((sent & 15) == 0) pubHost.DoWork();
        }
        long pubAllocated = GC.GetAllocatedBytesForCurrentThread() - pubBefore;
        while (subscriber.IsAlive)
        {
            pubHost.DoWork();
        }
        double seconds = sw.Elapsed.TotalSeconds;
        var delta = gc.Delta();
        Console.WriteLine($"| {length} | {count:N0} | {run} | {count / seconds:N0} | {count * (double)length / seconds / 1e6:F1} | {delta.Collections} | {pubAllocated + subAllocated} |");
        return count / seconds;
    }

    private struct Counter : IFragmentHandler
    {
        public long Messages;
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header) => Volatile.Write(ref Messages, Messages + 1);
    }

    private readonly record struct GcSnapshot(int Gen0, int Gen1, int Gen2, long Allocated)
    {
        public static GcSnapshot Take() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes(true));

        public GcDelta Delta() => new($"{GC.CollectionCount(0) - Gen0}/{GC.CollectionCount(1) - Gen1}/{GC.CollectionCount(2) - Gen2}", GC.GetTotalAllocatedBytes(true) - Allocated);
    }

    private readonly record struct GcDelta(string Collections, long Allocated)
    {
        public override string ToString() => $"{Collections} | {Allocated}";
    }
}
