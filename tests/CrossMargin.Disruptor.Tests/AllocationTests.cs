using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Tests;

public class AllocationTests
{
    private const long WarmUp = 300_000;
    private const long Measured = 300_000;

    /// <summary>Consumer-side probe: allocated bytes of the processor thread at two sequences.</summary>
    private sealed class AllocationProbe
    {
        public long AtStart = -1;
        public long AtEnd = -1;
    }

    private struct ProbingHandler(AllocationProbe probe, long start, long end) : IEventHandler<LongEvent>
    {
        private long _sum;

        public void OnEvent(ref LongEvent data, long sequence, bool endOfBatch)
        {
            _sum += data.Value;
            if (sequence == start)
            {
                probe.AtStart = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (sequence == end)
            {
                probe.AtEnd = GC.GetAllocatedBytesForCurrentThread();
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
            ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new ProbingHandler(probe, WarmUp, WarmUp + Measured - 1));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "alloc-consumer");
        long producerBytes = -1;
        TestSupport.RunWithTimeout(() =>
        {
            Publish(sequencer, ring, 0, WarmUp, useTryNext);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Publish(sequencer, ring, WarmUp, WarmUp + Measured, useTryNext);
            producerBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value == WarmUp + Measured - 1));
        });
        Assert.True(thread.Stop(TestSupport.Timeout));

        Assert.Equal(0, producerBytes);
        Assert.True(probe.AtStart >= 0 && probe.AtEnd >= 0);
        Assert.Equal(0, probe.AtEnd - probe.AtStart);
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
