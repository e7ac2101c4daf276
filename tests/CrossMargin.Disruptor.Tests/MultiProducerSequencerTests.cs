using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;
using FsCheck.Xunit;

namespace CrossMargin.Disruptor.Tests;

public class MultiProducerSequencerTests
{
    private sealed class PerProducerState(int producers)
    {
        public readonly long[] Next = new long[producers];
        public long Count;
        public long OrderViolations;
    }

    private struct PerProducerOrderHandler(PerProducerState state) : IEventHandler<LongEvent>
    {
        public void OnEvent(ref LongEvent data, long sequence, bool endOfBatch)
        {
            // Per-producer values must be exactly 0, 1, 2, ...: no loss, no duplicate, no reorder.
            ref long next = ref state.Next[data.Producer];
            if (data.Value != next)
            {
                state.OrderViolations++;
            }

            next = data.Value + 1;
            state.Count++;
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
    [InlineData(2, 300_000, 64, 1)]
    [InlineData(4, 100_000, 16, 3)]
    public void Concurrent_producers_deliver_every_event_exactly_once_in_per_producer_order(int producers, int perProducer, int ringSize, int batch)
    {
        var ring = new RingBuffer<LongEvent>(ringSize);
        var sequencer = new MultiProducerSequencer(ringSize, new YieldingWaitStrategy());
        var state = new PerProducerState(producers);
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new PerProducerOrderHandler(state));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "mp-consumer");
        long total = (long)producers * perProducer;
        try
        {
            var tasks = new Task[producers];
            for (int p = 0; p < producers; p++)
            {
                int id = p;
                tasks[p] = Task.Factory.StartNew(
                    () =>
                    {
                        int value = 0;
                        while (value < perProducer)
                        {
                            int n = Math.Min(batch, perProducer - value);
                            long hi = sequencer.Next(n);
                            for (long s = hi - n + 1; s <= hi; s++)
                            {
                                ref LongEvent e = ref ring[s];
                                e.Producer = id;
                                e.Value = value++;
                            }

                            sequencer.Publish(hi - n + 1, hi);
                        }
                    },
                    TaskCreationOptions.LongRunning);
            }

            Assert.True(TestSupport.WaitAll(tasks), "producers hung");
            Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value >= total - 1), "consumer hung");
        }
        finally
        {
            Assert.True(thread.Stop(TestSupport.Timeout));
        }

        Assert.Equal(0, state.OrderViolations);
        Assert.Equal(total, state.Count);
        Assert.All(state.Next, n => Assert.Equal(perProducer, n));
        Assert.Equal(total - 1, sequencer.Cursor.Value);
    }

    [Fact]
    public void An_unpublished_claim_hides_later_published_sequences_from_consumers()
    {
        var sequencer = new MultiProducerSequencer(8, new BusySpinWaitStrategy());
        long first = sequencer.Next();
        long second = sequencer.Next();
        sequencer.Publish(second);
        Assert.Equal(first - 1, sequencer.GetHighestPublishedSequence(first, second));
        sequencer.Publish(first);
        Assert.Equal(second, sequencer.GetHighestPublishedSequence(first, second));
        Assert.True(sequencer.IsAvailable(first));
        Assert.False(sequencer.IsAvailable(first + 8));
    }

    [Property(MaxTest = 100)]
    public bool TryNext_claims_contiguous_ranges_and_reports_full_as_false(byte[] sizes)
    {
        const int RingSize = 16;
        var sequencer = new MultiProducerSequencer(RingSize, new BusySpinWaitStrategy());
        var consumer = new Sequence();
        sequencer.AddGatingSequences(consumer);
        long claimed = -1;
        foreach (byte raw in sizes ?? [])
        {
            int n = (raw % RingSize) + 1;
            long free = RingSize - (claimed - consumer.Value);
            bool ok = sequencer.TryNext(n, out long hi);
            if (ok != (n <= free) || (ok && hi != claimed + n))
            {
                return false;
            }

            if (ok)
            {
                sequencer.Publish(claimed + 1, hi);
                if (sequencer.GetHighestPublishedSequence(claimed + 1, hi) != hi)
                {
                    return false;
                }

                claimed = hi;
            }

            consumer.SetRelease(Math.Max(consumer.Value, claimed - (raw % 4)));
        }

        return true;
    }
}
