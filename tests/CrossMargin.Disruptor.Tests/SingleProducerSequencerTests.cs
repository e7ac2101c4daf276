using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;
using FsCheck.Xunit;

namespace CrossMargin.Disruptor.Tests;

public class SingleProducerSequencerTests
{
    [Theory]
    [InlineData(8, 2_000_000, 1)]
    [InlineData(16, 2_000_000, 5)]
    public void Millions_of_events_through_a_tiny_ring_arrive_in_order_without_loss(int ringSize, long events, int batch)
    {
        ConsumerState state = TestSupport.RunOneToOne<YieldingWaitStrategy>(new YieldingWaitStrategy(), ringSize, events, batch);
        Assert.Equal(0, state.OrderViolations);
        Assert.Equal(events, state.Count);
        Assert.Equal(TestSupport.ExpectedSum(events), state.Sum);
        Assert.True(events / ringSize <= state.Batches, "every batch is at most one ring long");
        Assert.Equal(events, state.BatchSizeSum);
        Assert.Equal(state.Batches, state.EndOfBatchFlags);
    }

    [Property(MaxTest = 200)]
    public bool Batch_claims_of_any_size_return_contiguous_ranges_and_round_trip_their_events(byte[] sizes)
    {
        const int RingSize = 32;
        var ring = new RingBuffer<LongEvent>(RingSize);
        var sequencer = new SingleProducerSequencer(RingSize, new BusySpinWaitStrategy());
        var consumer = new Sequence();
        sequencer.AddGatingSequences(consumer);
        long expectedHi = -1;
        long value = 0;
        foreach (byte raw in sizes ?? [])
        {
            int n = (raw % RingSize) + 1;
            long hi = sequencer.Next(n);
            if (hi != expectedHi + n)
            {
                return false;
            }

            expectedHi = hi;
            long lo = hi - n + 1;
            for (long s = lo; s <= hi; s++)
            {
                ring[s].Value = value++;
            }

            sequencer.Publish(lo, hi);
            if (sequencer.Cursor.Value != hi)
            {
                return false;
            }

            // The consumer reads the batch back and releases it, so the next claim never waits.
            for (long s = lo; s <= hi; s++)
            {
                if (ring[s].Value != value - (hi - s) - 1)
                {
                    return false;
                }
            }

            consumer.SetRelease(hi);
        }

        return sequencer.Cursor.Value == value - 1;
    }

    [Property(MaxTest = 200)]
    public bool TryNext_succeeds_exactly_when_the_ring_has_room(byte[] sizes, byte[] consumerSteps)
    {
        const int RingSize = 16;
        var sequencer = new SingleProducerSequencer(RingSize, new BusySpinWaitStrategy());
        var consumer = new Sequence();
        sequencer.AddGatingSequences(consumer);
        long claimed = -1;
        sizes ??= [];
        consumerSteps ??= [];
        for (int i = 0; i < sizes.Length; i++)
        {
            int n = (sizes[i] % RingSize) + 1;
            long free = RingSize - (claimed - consumer.Value);
            bool ok = sequencer.TryNext(n, out long hi);
            if (ok != (n <= free))
            {
                return false;
            }

            if (ok)
            {
                if (hi != claimed + n)
                {
                    return false;
                }

                claimed = hi;
                sequencer.Publish(hi);
            }
            else if (hi != -1)
            {
                return false;
            }

            int step = consumerSteps.Length == 0 ? 0 : consumerSteps[i % consumerSteps.Length] % (RingSize + 1);
            consumer.SetRelease(Math.Min(claimed, consumer.Value + step));
        }

        return true;
    }

    [Fact]
    public void TryNext_reports_a_full_ring_as_false_while_the_consumer_lags()
    {
        var sequencer = new SingleProducerSequencer(8, new BusySpinWaitStrategy());
        var consumer = new Sequence();
        sequencer.AddGatingSequences(consumer);
        for (int i = 0; i < 8; i++)
        {
            Assert.True(sequencer.TryNext(out long s));
            sequencer.Publish(s);
        }

        Assert.False(sequencer.TryNext(out long none));
        Assert.Equal(-1, none);
        Assert.False(sequencer.TryNext(1, out _));
        Assert.Equal(2, sequencer.FullRingCount);
        Assert.Equal(0, sequencer.RemainingCapacity());

        consumer.SetRelease(1);
        Assert.False(sequencer.TryNext(3, out _));
        Assert.True(sequencer.TryNext(2, out long hi));
        Assert.Equal(9, hi);
    }

    [Fact]
    public void TryNext_fails_while_a_running_processor_is_stuck_and_succeeds_once_it_moves()
    {
        var ring = new RingBuffer<LongEvent>(8);
        var sequencer = new SingleProducerSequencer(8, new YieldingWaitStrategy());
        using var gate = new ManualResetEventSlim(false);
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new GatedHandler(gate));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "gated-consumer");
        try
        {
            TestSupport.RunWithTimeout(() =>
            {
                for (int i = 0; i < 8; i++)
                {
                    Assert.True(sequencer.TryNext(out long s));
                    sequencer.Publish(s);
                }

                Assert.False(sequencer.TryNext(out _));
                gate.Set();
                Assert.True(TestSupport.SpinUntil(() => sequencer.TryNext(out long s2) && Publish(sequencer, s2)));
            });
        }
        finally
        {
            gate.Set();
            Assert.True(thread.Stop(TestSupport.Timeout));
        }
    }

    [Fact]
    public void Claiming_zero_or_more_than_the_ring_throws()
    {
        var sequencer = new SingleProducerSequencer(8, new BusySpinWaitStrategy());
        Assert.Throws<ArgumentOutOfRangeException>(() => sequencer.Next(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sequencer.Next(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => sequencer.TryNext(9, out _));
    }

    [Fact]
    public void A_barrier_must_use_the_wait_strategy_type_the_sequencer_was_built_with()
    {
        var sequencer = new SingleProducerSequencer(8, new BusySpinWaitStrategy());
        Assert.Throws<ArgumentException>(() => sequencer.NewBarrier<YieldingWaitStrategy>());
        Assert.NotNull(sequencer.NewBarrier<BusySpinWaitStrategy>());
    }

    private static bool Publish(Sequencer sequencer, long sequence)
    {
        sequencer.Publish(sequence);
        return true;
    }

    private struct GatedHandler(ManualResetEventSlim gate) : IEventHandler<LongEvent>
    {
        public void OnEvent(ref LongEvent data, long sequence, bool endOfBatch) => gate.Wait();

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
}
