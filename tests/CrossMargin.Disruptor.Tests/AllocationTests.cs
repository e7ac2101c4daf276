using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Tests;

public class AllocationTests
{
    private const long WarmUp = 300_000;
    private const long Measured = 300_000;
    private const int Windows = 3; // the runtime may allocate once while it swaps in tier-1 code: the least window is the figure

    /// <summary>Consumer-side probe: allocated bytes of the processor thread at the window boundaries.</summary>
    private sealed class AllocationProbe
    {
        public readonly long[] At = [-1, -1, -1, -1];

        /// <summary>The least bytes allocated over one window (−1 when a boundary was never reached).</summary>
        public long LeastWindow()
        {
            long least = long.MaxValue;
            for (int w = 0; w < Windows; w++)
            {
                if (At[w] < 0 || At[w + 1] < 0) return -1;
                least = Math.Min(least, At[w + 1] - At[w]);
            }
            return least;
        }
    }

    private struct ProbingHandler(AllocationProbe probe, long start) : IEventHandler<LongEvent>
    {
        private long _sum;

        public void OnEvent(ref LongEvent data, long sequence, bool endOfBatch)
        {
            _sum += data.Value;
            long offset = sequence - start;
            if (offset >= 0 && offset % (Measured / Windows) == 0 && offset / (Measured / Windows) <= Windows)
            {
                probe.At[offset / (Measured / Windows)] = GC.GetAllocatedBytesForCurrentThread();
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Publishing_and_consuming_allocate_nothing_per_event_after_warm_up(bool useTryNext)
    {
        var ring = new RingBuffer<LongEvent>(1024);
        var sequencer = new SingleProducerSequencer(1024, new YieldingWaitStrategy());
        var probe = new AllocationProbe();
        var processor = BatchEventProcessor.Create(
            ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new ProbingHandler(probe, WarmUp));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "alloc-consumer");
        long producerBytes = -1;
        TestSupport.RunWithTimeout(() =>
        {
            Publish(sequencer, ring, 0, WarmUp, useTryNext);
            producerBytes = long.MaxValue;
            for (long from = WarmUp; from < WarmUp + Measured; from += Measured / Windows)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Publish(sequencer, ring, from, from + Measured / Windows, useTryNext);
                producerBytes = Math.Min(producerBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            // One more event marks the end of the consumer's last window.
            Publish(sequencer, ring, WarmUp + Measured, WarmUp + Measured + 1, useTryNext);
            Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value == WarmUp + Measured));
        });
        Assert.True(thread.Stop(TestSupport.Timeout));

        Assert.Equal(0, producerBytes);
        Assert.Equal(0, probe.LeastWindow());
    }

    private static void Publish(SingleProducerSequencer sequencer, RingBuffer<LongEvent> ring, long from, long to, bool useTryNext)
    {
        for (long i = from; i < to; i++)
        {
            long s;
            if (useTryNext)
            {
                while (!sequencer.TryNext(out s))
                {
                    Thread.SpinWait(10);
                }
            }
            else
            {
                s = sequencer.Next();
            }

            ring[s].Value = i;
            sequencer.Publish(s);
        }
    }
}
