using System.Collections.Concurrent;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Tests;

public class BatchEventProcessorTests
{
    [Fact]
    public void Halt_returns_from_run_and_a_restart_continues_after_the_last_processed_sequence()
    {
        var ring = new RingBuffer<LongEvent>(4096);
        var sequencer = new SingleProducerSequencer(4096, new YieldingWaitStrategy());
        var state = new ConsumerState();
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new OrderCheckingHandler(state));
        sequencer.AddGatingSequences(processor.Sequence);

        var first = ProcessorThread.Start(processor, "consumer-1", isBackground: true);
        Assert.True(first.WaitUntilRunning(TestSupport.Timeout));
        TestSupport.Produce(sequencer, ring, 1000);
        Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value == 999));
        Assert.True(first.Stop(TestSupport.Timeout), "thread joinable after halt");
        Assert.False(first.Thread.IsAlive);
        Assert.False(processor.IsRunning);

        // Published while halted: nothing is consumed until the restart.
        for (long i = 1000; i < 2000; i++)
        {
            long s = sequencer.Next();
            ring[s].Value = i;
            sequencer.Publish(s);
        }

        Assert.Equal(999, processor.Sequence.Value);

        var second = ProcessorThread.Start(processor, "consumer-2");
        Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value == 1999));
        Assert.True(second.Stop(TestSupport.Timeout));

        Assert.Equal(0, state.OrderViolations);
        Assert.Equal(2000, state.Count);
        Assert.Equal(TestSupport.ExpectedSum(2000), state.Sum);
        Assert.Equal(2, state.Starts);
        Assert.Equal(2, state.Shutdowns);
    }

    [Fact]
    public void Halting_before_run_makes_run_exit_at_once_and_the_next_run_works()
    {
        var ring = new RingBuffer<LongEvent>(8);
        var sequencer = new SingleProducerSequencer(8, new BusySpinWaitStrategy());
        var state = new ConsumerState();
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<BusySpinWaitStrategy>(), new OrderCheckingHandler(state));
        processor.Halt();
        TestSupport.RunWithTimeout(processor.Run);
        Assert.Equal(0, state.Starts);

        var thread = ProcessorThread.Start(processor, "consumer");
        Assert.True(thread.WaitUntilRunning(TestSupport.Timeout));
        Assert.True(thread.Stop(TestSupport.Timeout));
        Assert.Equal(1, state.Starts);
    }

    [Fact]
    public void Running_twice_at_once_is_rejected()
    {
        var ring = new RingBuffer<LongEvent>(8);
        var sequencer = new SingleProducerSequencer(8, new YieldingWaitStrategy());
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new OrderCheckingHandler(new ConsumerState()));
        var thread = ProcessorThread.Start(processor, "consumer");
        Assert.True(thread.WaitUntilRunning(TestSupport.Timeout));
        Assert.Throws<InvalidOperationException>(processor.Run);
        Assert.True(thread.Stop(TestSupport.Timeout));
    }

    private sealed class FailureLog
    {
        public long Handled;
        public long HandledSum;
    }

    private struct ThrowingHandler(FailureLog log) : IEventHandler<LongEvent>
    {
        public void OnEvent(ref LongEvent data, long sequence, bool endOfBatch)
        {
            if (sequence % 100 == 7)
            {
                throw new InvalidOperationException($"bad event {sequence}");
            }

            log.Handled++;
            log.HandledSum += data.Value;
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

    [Fact]
    public void A_throwing_handler_is_counted_and_reported_and_later_events_are_still_processed()
    {
        const int Events = 1000;
        var ring = new RingBuffer<LongEvent>(64);
        var sequencer = new SingleProducerSequencer(64, new YieldingWaitStrategy());
        var reported = new ConcurrentQueue<(long Sequence, Exception Error)>();
        var policy = new CountingExceptionHandler<LongEvent>((s, e) => reported.Enqueue((s, e)));
        var log = new FailureLog();
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new ThrowingHandler(log), policy);
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "throwing-consumer");
        TestSupport.RunWithTimeout(() =>
        {
            TestSupport.Produce(sequencer, ring, Events);
            Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value == Events - 1));
        });
        Assert.True(thread.Stop(TestSupport.Timeout));

        long[] expectedFailures = Enumerable.Range(0, Events).Where(i => i % 100 == 7).Select(i => (long)i).ToArray();
        Assert.Equal(expectedFailures, reported.Select(r => r.Sequence).ToArray());
        Assert.All(reported, r => Assert.Equal($"bad event {r.Sequence}", r.Error.Message));
        Assert.Equal(expectedFailures.Length, processor.EventFailures);
        Assert.Equal(expectedFailures.Length, policy.EventFailures);
        Assert.Equal(expectedFailures[^1], policy.LastFailedSequence);
        Assert.Equal(Events, processor.EventsProcessed);
        Assert.Equal(Events - expectedFailures.Length, log.Handled);
        Assert.Equal(TestSupport.ExpectedSum(Events) - expectedFailures.Sum(), log.HandledSum);
        Assert.Null(thread.Fault);
    }

    [Fact]
    public void A_consumer_behind_another_sees_every_event_only_after_the_first_released_it()
    {
        var ring = new RingBuffer<LongEvent>(16);
        var sequencer = new SingleProducerSequencer(16, new YieldingWaitStrategy());
        var firstState = new ConsumerState();
        var first = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(), new OrderCheckingHandler(firstState));
        var secondState = new ConsumerState();
        var second = BatchEventProcessor.Create(ring, sequencer.NewBarrier<YieldingWaitStrategy>(first.Sequence), new OrderCheckingHandler(secondState));
        sequencer.AddGatingSequences(second.Sequence);
        var t1 = ProcessorThread.Start(first, "stage-1");
        var t2 = ProcessorThread.Start(second, "stage-2");
        TestSupport.RunWithTimeout(() =>
        {
            TestSupport.Produce(sequencer, ring, 200_000);
            Assert.True(TestSupport.SpinUntil(() => second.Sequence.Value == 199_999));
        });
        Assert.True(t2.Stop(TestSupport.Timeout));
        Assert.True(t1.Stop(TestSupport.Timeout));
        Assert.Equal(0, firstState.OrderViolations + secondState.OrderViolations);
        Assert.Equal(200_000, secondState.Count);
        Assert.True(first.Sequence.Value >= second.Sequence.Value);
    }
}
