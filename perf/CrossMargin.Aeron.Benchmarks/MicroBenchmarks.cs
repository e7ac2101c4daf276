using BenchmarkDotNet.Attributes;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;

namespace CrossMargin.Aeron.Benchmarks;

/// <summary>Encode/decode cost of the hot frames.</summary>
[MemoryDiagnoser]
public class FrameCodecBenchmarks
{
    private readonly byte[] _buffer = new byte[64];

    [Benchmark]
    public int EncodeDecodeStatusMessage()
    {
        var sm = new StatusMessageFlyweight(_buffer);
        sm.Write(0, 1, 1001, 7, 4096, 131072, 42);
        return sm.ConsumptionTermOffset + sm.ReceiverWindow;
    }

    [Benchmark]
    public int EncodeDecodeDataHeader()
    {
        var data = new DataHeader(_buffer);
        data.Write(46, FrameFlags.Unfragmented, FrameType.Data, 64, 1, 1001, 7);
        return data.TermOffset + data.FrameLength;
    }
}

/// <summary>
/// Offer + send + receive + poll per message on one thread over loopback (the duty-cycle model), for the
/// three payload sizes of the issue.
/// </summary>
[MemoryDiagnoser]
public class OfferPollBenchmarks
{
    private const int Batch = 1000;
    private EmbeddedDriver _driver = null!;
    private ExclusivePublication _pub = null!;
    private Subscription _sub = null!;
    private byte[] _message = null!;
    private Counter _counter;

    [Params(32, 288, 1344)]
    public int PayloadLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _driver = new EmbeddedDriver();
        _sub = _driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1001);
        _pub = _driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{_sub.LocalEndPoint.Port}", 1001);
        while (!(_pub.IsConnected && _sub.IsConnected)) _driver.DoWork();
        _message = new byte[PayloadLength];
    }

    [GlobalCleanup]
    public void Cleanup() => _driver.Dispose();

    [Benchmark(OperationsPerInvoke = Batch)]
    public long OfferAndPoll()
    {
        long target = _counter.Messages + Batch;
        int sent = 0;
        while (_counter.Messages < target)
        {
            while (sent < Batch)
            {
                long r = _pub.Offer(_message);
                if (r > 0) sent++;
                else if (r != PublicationResult.AdminAction) break;
            }
            _driver.DoWork();
            _sub.Poll(ref _counter, 256);
        }
        return _counter.Messages;
    }

    private struct Counter : IFragmentHandler
    {
        public long Messages;
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header) => Messages++;
    }
}
