using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Disruptor.Tests;

public class EventPollerTests
{
    private struct CollectingPollHandler(ConsumerState state, int stopAfter) : IEventPollHandler<LongEvent>
    {
        public bool OnEvent(ref LongEvent data, long sequence, bool endOfBatch)
        {
            if (data.Value != state.LastValue + 1)
            {
                state.OrderViolations++;
            }

            state.LastValue = data.Value;
            state.Count++;
            state.Sum += data.Value;
            return --stopAfter != 0;
        }
    }

    [Fact]
    public void A_poller_reports_idle_then_processing_and_stops_when_the_handler_says_so()
    {
        var ring = new RingBuffer<LongEvent>(8);
        var sequencer = new SingleProducerSequencer(8, new BusySpinWaitStrategy());
        var poller = new EventPoller<LongEvent>(ring, sequencer);
        sequencer.AddGatingSequences(poller.Sequence);
        var state = new ConsumerState();
        var handler = new CollectingPollHandler(state, stopAfter: 2);

        Assert.Equal(EventPoller<LongEvent>.PollState.Idle, poller.Poll(ref handler));
        TestSupport.Produce(sequencer, ring, 5);
        Assert.Equal(EventPoller<LongEvent>.PollState.Processing, poller.Poll(ref handler));
        Assert.Equal(2, state.Count);
        Assert.Equal(1, poller.Sequence.Value);

        handler = new CollectingPollHandler(state, stopAfter: -1);
        Assert.Equal(EventPoller<LongEvent>.PollState.Processing, poller.Poll(ref handler));
        Assert.Equal(5, state.Count);
        Assert.Equal(EventPoller<LongEvent>.PollState.Idle, poller.Poll(ref handler));
        Assert.Equal(0, state.OrderViolations);
    }

    [Fact]
    public void A_poller_behind_a_lagging_upstream_consumer_reports_gating()
    {
        var ring = new RingBuffer<LongEvent>(8);
        var sequencer = new SingleProducerSequencer(8, new BusySpinWaitStrategy());
        var upstream = new Sequence();
        var poller = new EventPoller<LongEvent>(ring, sequencer, upstream);
        sequencer.AddGatingSequences(poller.Sequence);
        TestSupport.Produce(sequencer, ring, 3);
        var state = new ConsumerState();
        var handler = new CollectingPollHandler(state, -1);
        Assert.Equal(EventPoller<LongEvent>.PollState.Gating, poller.Poll(ref handler));
        upstream.SetRelease(1);
        Assert.Equal(EventPoller<LongEvent>.PollState.Processing, poller.Poll(ref handler));
        Assert.Equal(2, state.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_polling_thread_receives_a_million_events_from_a_tiny_ring_in_order(bool multiProducer)
    {
        const long Events = 1_000_000;
        var ring = new RingBuffer<LongEvent>(16);
        Sequencer sequencer = multiProducer
            ? new MultiProducerSequencer(16, new YieldingWaitStrategy())
            : new SingleProducerSequencer(16, new YieldingWaitStrategy());
        var poller = new EventPoller<LongEvent>(ring, sequencer);
        sequencer.AddGatingSequences(poller.Sequence);
        var state = new ConsumerState();
        var producer = Task.Factory.StartNew(
            () =>
            {
                for (long i = 0; i < Events; i++)
                {
                    long s = sequencer.Next();
                    ring[s].Value = i;
                    sequencer.Publish(s);
                }
            },
            TaskCreationOptions.LongRunning);

        TestSupport.RunWithTimeout(() =>
        {
            var handler = new CollectingPollHandler(state, -1);
            while (state.Count < Events)
            {
                if (poller.Poll(ref handler) != EventPoller<LongEvent>.PollState.Processing)
                {
                    Thread.Yield();
                }
            }
        });
        Assert.True(TestSupport.WaitAll([producer]));
        Assert.Equal(0, state.OrderViolations);
        Assert.Equal(TestSupport.ExpectedSum(Events), state.Sum);
    }
}
