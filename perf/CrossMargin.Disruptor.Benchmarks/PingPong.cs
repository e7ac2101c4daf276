using System.Diagnostics;
using System.Threading.Channels;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;
using HdrHistogram;

namespace CrossMargin.Disruptor.Benchmarks;

/// <summary>Round trip: this thread sends one event, an echo thread sends it back, this thread
/// records now − stamp; the next ping leaves only after the pong arrived (no queueing).</summary>
public interface IPingPong : IDisposable
{
    string Name { get; }

    void Run(long count, LongHistogram histogram);
}

public readonly struct EchoHandler(RingBuffer<BenchEvent> pong, SingleProducerSequencer pongSequencer) : IEventHandler<BenchEvent>
{
    public void OnEvent(ref BenchEvent data, long sequence, bool endOfBatch)
    {
        long s = pongSequencer.Next();
        pong[s] = data;
        pongSequencer.Publish(s);
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

public sealed class RingPingPong<TWait> : IPingPong
    where TWait : struct, IWaitStrategy
{
    private readonly RingBuffer<BenchEvent> _ping;
    private readonly SingleProducerSequencer _pingSequencer;
    private readonly RingBuffer<BenchEvent> _pong;
    private readonly SingleProducerSequencer _pongSequencer;
    private readonly Sequence _pongConsumed = new();
    private readonly ProcessorThread _thread;

    public RingPingPong(string name, int size)
    {
        Name = name;
        _ping = new RingBuffer<BenchEvent>(size);
        _pingSequencer = new SingleProducerSequencer(size, default(TWait));
        _pong = new RingBuffer<BenchEvent>(size);
        _pongSequencer = new SingleProducerSequencer(size, default(TWait));
        _pongSequencer.AddGatingSequences(_pongConsumed);
        var echo = BatchEventProcessor.Create(_ping, _pingSequencer.NewBarrier<TWait>(), new EchoHandler(_pong, _pongSequencer));
        _pingSequencer.AddGatingSequences(echo.Sequence);
        _thread = ProcessorThread.Start(echo, "pingpong-" + name);
        _thread.WaitUntilRunning(TimeSpan.FromSeconds(10));
    }

    public string Name { get; }

    public void Run(long count, LongHistogram histogram)
    {
        for (long i = 0; i < count; i++)
        {
            long stamp = Stopwatch.GetTimestamp();
            long s = _pingSequencer.Next();
            ref BenchEvent e = ref _ping[s];
            e.Value = i;
            e.Stamp = stamp;
            _pingSequencer.Publish(s);
            long expected = _pongConsumed.Value + 1;
            while (_pongSequencer.Cursor.Value < expected)
            {
            }

            histogram.RecordValue(Stopwatch.GetTimestamp() - _pong[expected].Stamp);
            _pongConsumed.SetRelease(expected);
        }
    }

    public void Dispose() => _thread.Stop(TimeSpan.FromSeconds(10));
}

/// <summary>Two bounded SPSC channels; the echo is the idiomatic WaitToReadAsync/TryRead loop, this thread spins on TryRead.</summary>
public sealed class ChannelPingPong : IPingPong
{
    private readonly Channel<BenchEvent> _ping;
    private readonly Channel<BenchEvent> _pong;
    private readonly Task _echo;

    public ChannelPingPong(int capacity)
    {
        var options = new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait };
        _ping = Channel.CreateBounded<BenchEvent>(options);
        _pong = Channel.CreateBounded<BenchEvent>(options);
        _echo = Task.Run(EchoAsync);
    }

    public string Name => "channels";

    private async Task EchoAsync()
    {
        var reader = _ping.Reader;
        var writer = _pong.Writer;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out BenchEvent e))
            {
                writer.TryWrite(e);
            }
        }
    }

    public void Run(long count, LongHistogram histogram)
    {
        var writer = _ping.Writer;
        var reader = _pong.Reader;
        for (long i = 0; i < count; i++)
        {
            writer.TryWrite(new BenchEvent { Value = i, Stamp = Stopwatch.GetTimestamp() });
            BenchEvent e;
            while (!reader.TryRead(out e))
            {
            }

            histogram.RecordValue(Stopwatch.GetTimestamp() - e.Stamp);
        }
    }

    public void Dispose()
    {
        _ping.Writer.Complete();
        _echo.Wait(TimeSpan.FromSeconds(10));
    }
}
