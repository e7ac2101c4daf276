using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

// Busy-spin and yielding consumers on a 2-core machine: never run two such tests at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CrossMargin.Disruptor.Tests;

public struct LongEvent
{
    public long Value;
    public int Producer;
    public long Stamp;
}

/// <summary>State a handler struct shares with the test thread. Written by the consumer only;
/// read by the test after observing the processor's sequence (acquire), which orders it.</summary>
public sealed class ConsumerState
{
    public long Count;
    public long Sum;
    public long OrderViolations;
    public long LastValue = -1;
    public long LastSequence = -1;
    public long Batches;
    public long BatchSizeSum;
    public long EndOfBatchFlags;
    public long Starts;
    public long Shutdowns;
}

/// <summary>Checks that values arrive as 0, 1, 2, ... and sums them.</summary>
public struct OrderCheckingHandler : IEventHandler<LongEvent>
{
    private readonly ConsumerState _state;

    public OrderCheckingHandler(ConsumerState state) => _state = state;

    public void OnEvent(ref LongEvent data, long sequence, bool endOfBatch)
    {
        if (data.Value != _state.LastValue + 1 || sequence != _state.LastSequence + 1)
        {
            _state.OrderViolations++;
        }

        _state.LastValue = data.Value;
        _state.LastSequence = sequence;
        _state.Sum += data.Value;
        _state.Count++;
        if (endOfBatch)
        {
            _state.EndOfBatchFlags++;
        }
    }

    public void OnBatchStart(long batchSize)
    {
        _state.Batches++;
        _state.BatchSizeSum += batchSize;
    }

    public void OnStart() => _state.Starts++;

    public void OnShutdown() => _state.Shutdowns++;
}

public static class TestSupport
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static long ExpectedSum(long n) => n * (n - 1) / 2;

    /// <summary>Runs <paramref name="body"/> on the thread pool and fails the test if it hangs.</summary>
    public static void RunWithTimeout(Action body, TimeSpan? timeout = null)
    {
        var task = Task.Factory.StartNew(body, TaskCreationOptions.LongRunning);
        Assert.True(task.Wait(timeout ?? Timeout), "timed out: a hang fails the test instead of blocking CI");
    }

    /// <summary>Bounded wait (Task.Wait with a timeout) so a hung producer fails the test.</summary>
    public static bool WaitAll(Task[] tasks, TimeSpan? timeout = null) => Task.WaitAll(tasks, timeout ?? Timeout);

    public static bool SpinUntil(Func<bool> condition, TimeSpan? timeout = null)
        => SpinWait.SpinUntil(condition, timeout ?? Timeout);

    public static void Produce(SingleProducerSequencer sequencer, RingBuffer<LongEvent> ring, long count)
    {
        for (long i = 0; i < count; i++)
        {
            long seq = sequencer.Next();
            ring[seq].Value = i;
            sequencer.Publish(seq);
        }
    }

    /// <summary>One producer, one <see cref="OrderCheckingHandler"/> processor, <paramref name="events"/> events.</summary>
    public static ConsumerState RunOneToOne<TWait>(IWaitStrategy wait, int ringSize, long events, int batch = 1)
        where TWait : struct, IWaitStrategy
    {
        var ring = new RingBuffer<LongEvent>(ringSize);
        var sequencer = new SingleProducerSequencer(ringSize, wait);
        var state = new ConsumerState();
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<TWait>(), new OrderCheckingHandler(state));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "test-consumer");
        try
        {
            RunWithTimeout(() =>
            {
                long value = 0;
                while (value < events)
                {
                    int n = (int)Math.Min(batch, events - value);
                    long hi = sequencer.Next(n);
                    for (long s = hi - n + 1; s <= hi; s++)
                    {
                        ring[s].Value = value++;
                    }

                    sequencer.Publish(hi - n + 1, hi);
                }

                Assert.True(SpinUntil(() => processor.Sequence.Value >= events - 1), "consumer did not catch up");
            });
        }
        finally
        {
            Assert.True(thread.Stop(Timeout), "processor thread did not stop");
        }

        Assert.Null(thread.Fault);
        Assert.Equal(events, processor.EventsProcessed);
        return state;
    }
}
