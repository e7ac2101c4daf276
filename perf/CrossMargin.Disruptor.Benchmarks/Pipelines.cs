using System.Diagnostics;
using System.Threading.Channels;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;
using HdrHistogram;

namespace CrossMargin.Disruptor.Benchmarks;

public struct BenchEvent
{
    public long Value;
    public long Stamp;
}

/// <summary>One producer (the calling thread) to one consumer (a dedicated thread or task).
/// Loops live inside the implementations so no per-event virtual call skews the comparison.</summary>
public interface IPipeline : IDisposable
{
    string Name { get; }

    /// <summary>Publishes <paramref name="count"/> events as fast as possible; returns when all are consumed.</summary>
    void RunBurst(long count);

    /// <summary>Publishes <paramref name="count"/> time-stamped events, one every <paramref name="gapTicks"/>;
    /// the consumer records now − stamp into <paramref name="histogram"/>.</summary>
    void RunPaced(long count, long gapTicks, LongHistogram histogram);
}

/// <summary>Consumer-side state shared with the producer thread (handed over through the ring's release/acquire).</summary>
public sealed class LatencyRecorder
{
    public LongHistogram? Histogram;
    public long Checksum;
}

public struct RecordingHandler(LatencyRecorder recorder) : IEventHandler<BenchEvent>
{
    public void OnEvent(ref BenchEvent data, long sequence, bool endOfBatch)
    {
        recorder.Checksum += data.Value;
        if (data.Stamp != 0)
        {
            recorder.Histogram!.RecordValue(Stopwatch.GetTimestamp() - data.Stamp);
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

public sealed class RingPipeline<TWait> : IPipeline
    where TWait : struct, IWaitStrategy
{
    private readonly RingBuffer<BenchEvent> _ring;
    private readonly SingleProducerSequencer _sequencer;
    private readonly BatchEventProcessor<BenchEvent, RecordingHandler, TWait> _processor;
    private readonly ProcessorThread _thread;
    private readonly LatencyRecorder _recorder = new();

    public RingPipeline(string name, int size)
    {
        Name = name;
        _ring = new RingBuffer<BenchEvent>(size);
        _sequencer = new SingleProducerSequencer(size, default(TWait));
        _processor = BatchEventProcessor.Create(_ring, _sequencer.NewBarrier<TWait>(), new RecordingHandler(_recorder));
        _sequencer.AddGatingSequences(_processor.Sequence);
        _thread = ProcessorThread.Start(_processor, "bench-" + name);
        _thread.WaitUntilRunning(TimeSpan.FromSeconds(10));
    }

    public string Name { get; }

    public void RunBurst(long count)
    {
        var sequencer = _sequencer;
        var ring = _ring;
        for (long i = 0; i < count; i++)
        {
            long s = sequencer.Next();
            ref BenchEvent e = ref ring[s];
            e.Value = i;
            e.Stamp = 0;
            sequencer.Publish(s);
        }

        WaitForConsumer();
    }

    public void RunPaced(long count, long gapTicks, LongHistogram histogram)
    {
        _recorder.Histogram = histogram;
        var sequencer = _sequencer;
        var ring = _ring;
        long next = Stopwatch.GetTimestamp();
        for (long i = 0; i < count; i++)
        {
            next += gapTicks;
            while (Stopwatch.GetTimestamp() < next)
            {
            }

            long s = sequencer.Next();
            ref BenchEvent e = ref ring[s];
            e.Value = i;
            e.Stamp = Stopwatch.GetTimestamp();
            sequencer.Publish(s);
        }

        WaitForConsumer();
    }

    private void WaitForConsumer()
    {
        long target = _sequencer.Cursor.Value;
        SpinWait spin = default;
        while (_processor.Sequence.Value < target)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Dispose() => _thread.Stop(TimeSpan.FromSeconds(10));
}

/// <summary>Bounded single-reader/single-writer channel: the producer spins on TryWrite (no
/// allocation), the consumer is the idiomatic WaitToReadAsync/TryRead loop on the thread pool.</summary>
public sealed class ChannelPipeline : IPipeline
{
    private readonly Channel<BenchEvent> _channel;
    private readonly Task _consumer;
    private readonly LatencyRecorder _recorder = new();
    private long _consumed;

    public ChannelPipeline(int capacity)
    {
        _channel = Channel.CreateBounded<BenchEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        _consumer = Task.Run(ConsumeAsync);
    }

    public string Name => "channels";

    private async Task ConsumeAsync()
    {
        var reader = _channel.Reader;
        var recorder = _recorder;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            long consumed = _consumed;
            while (reader.TryRead(out BenchEvent e))
            {
                recorder.Checksum += e.Value;
                if (e.Stamp != 0)
                {
                    recorder.Histogram!.RecordValue(Stopwatch.GetTimestamp() - e.Stamp);
                }

                consumed++;
            }

            Volatile.Write(ref _consumed, consumed);
        }
    }

    public void RunBurst(long count)
    {
        long target = Volatile.Read(ref _consumed) + count;
        var writer = _channel.Writer;
        for (long i = 0; i < count; i++)
        {
            Write(writer, new BenchEvent { Value = i });
        }

        WaitForConsumer(target);
    }

    public void RunPaced(long count, long gapTicks, LongHistogram histogram)
    {
        _recorder.Histogram = histogram;
        long target = Volatile.Read(ref _consumed) + count;
        var writer = _channel.Writer;
        long next = Stopwatch.GetTimestamp();
        for (long i = 0; i < count; i++)
        {
            next += gapTicks;
            while (Stopwatch.GetTimestamp() < next)
            {
            }

            Write(writer, new BenchEvent { Value = i, Stamp = Stopwatch.GetTimestamp() });
        }

        WaitForConsumer(target);
    }

    private static void Write(ChannelWriter<BenchEvent> writer, BenchEvent e)
    {
        if (!writer.TryWrite(e))
        {
            SpinWait spin = default;
            do
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            while (!writer.TryWrite(e));
        }
    }

    private void WaitForConsumer(long target)
    {
        SpinWait spin = default;
        while (Volatile.Read(ref _consumed) < target)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Dispose()
    {
        _channel.Writer.Complete();
        _consumer.Wait(TimeSpan.FromSeconds(10));
    }
}
