using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Tests;

public class WaitStrategyTests
{
    public static TheoryData<string> Strategies => new() { "busy-spin", "yielding", "sleeping", "blocking" };

    private static ConsumerState Run(string strategy, int ringSize, long events, int batch) => strategy switch
    {
        "busy-spin" => TestSupport.RunOneToOne<BusySpinWaitStrategy>(new BusySpinWaitStrategy(), ringSize, events, batch),
        "yielding" => TestSupport.RunOneToOne<YieldingWaitStrategy>(new YieldingWaitStrategy(), ringSize, events, batch),
        "sleeping" => TestSupport.RunOneToOne<SleepingWaitStrategy>(new SleepingWaitStrategy(), ringSize, events, batch),
        "blocking" => TestSupport.RunOneToOne<BlockingWaitStrategy>(new BlockingWaitStrategy(), ringSize, events, batch),
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Each_wait_strategy_delivers_every_event_in_order_end_to_end(string strategy)
    {
        const long Events = 100_000;
        ConsumerState state = Run(strategy, 64, Events, 3);
        Assert.Equal(0, state.OrderViolations);
        Assert.Equal(Events, state.Count);
        Assert.Equal(TestSupport.ExpectedSum(Events), state.Sum);
        Assert.Equal(1, state.Shutdowns);
    }

    [Fact]
    public void A_blocked_consumer_wakes_for_a_single_late_event_and_for_a_halt()
    {
        var ring = new RingBuffer<LongEvent>(8);
        var sequencer = new Sequencing.SingleProducerSequencer(8, new BlockingWaitStrategy());
        var state = new ConsumerState();
        var processor = BatchEventProcessor.Create(ring, sequencer.NewBarrier<BlockingWaitStrategy>(), new OrderCheckingHandler(state));
        sequencer.AddGatingSequences(processor.Sequence);
        var thread = ProcessorThread.Start(processor, "blocked-consumer");
        Assert.True(thread.WaitUntilRunning(TestSupport.Timeout));
        Thread.Sleep(50); // let it block in Monitor.Wait
        TestSupport.Produce(sequencer, ring, 1);
        Assert.True(TestSupport.SpinUntil(() => processor.Sequence.Value == 0));
        Thread.Sleep(50);
        Assert.True(thread.Stop(TestSupport.Timeout), "halt must wake a consumer blocked on the monitor");
        Assert.Equal(1, state.Count);
    }
}
