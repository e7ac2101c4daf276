using CrossMargin.Aeron;
using CrossMargin.Aeron.Agent;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Publications;
using CrossMargin.Aeron.Subscriptions;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Pipeline;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Host;

/// <summary>
/// The gate's one network thread (design.md, "one poller thread"): each duty cycle runs the
/// embedded Aeron driver (receive, send, timers), polls market data and order flow into the
/// inbound ring (it is the ring's single producer, so arrival order is the total order of inputs),
/// and drains the outbound ring into the decisions publication.
/// </summary>
/// <remarks>
/// Threading: <see cref="DoWork"/> runs on one thread only. Nothing is lost under load: inbound
/// polling is limited to the free inbound slots (Aeron's flow control then holds the senders back),
/// and a decision refused by back-pressure is kept and offered again before the next one.
/// </remarks>
internal sealed class GateAgent<TWait> : IAgent where TWait : struct, IWaitStrategy
{
    private const int FragmentLimit = 64;
    private readonly EmbeddedDriver _driver;
    private readonly Subscription _marketData, _orderFlow;
    private readonly NetworkPublication _decisions;
    private readonly RiskRings<TWait> _rings;
    private readonly EventPoller<OutboundEvent> _outbound;
    private InboundHandler _marketDataIn, _orderFlowIn;
    private OutboundHandler _outHandler;
    private readonly GateCounters _counters;

    public GateAgent(EmbeddedDriver driver, Subscription marketData, Subscription orderFlow, NetworkPublication decisions,
        RiskRings<TWait> rings, GateCounters counters, int cpu = -1)
    {
        _cpu = cpu;
        _driver = driver;
        _marketData = marketData;
        _orderFlow = orderFlow;
        _decisions = decisions;
        _rings = rings;
        _outbound = rings.CreatePoller();
        _counters = counters;
        _marketDataIn = new InboundHandler(rings, decisions, counters);
        _orderFlowIn = new InboundHandler(rings, decisions, counters);
        _outHandler = new OutboundHandler(decisions, counters, rings.JournalSequence);
    }

    public string RoleName => "gate-poller";

    private readonly int _cpu;
    private bool _pinned;

    public int DoWork()
    {
        if (!_pinned)
        {
            // First duty cycle runs on the agent's own thread: pin it there.
            _pinned = true;
            if (!CpuAffinity.PinCurrentThread(_cpu)) _counters.PinFailed = 1;
        }
        int work = _driver.DoWork();
        work += PollInbound(_marketData, ref _marketDataIn);
        work += PollInbound(_orderFlow, ref _orderFlowIn);
        if (_outHandler.RetryPending())
            work += _outbound.Poll(ref _outHandler) == EventPoller<OutboundEvent>.PollState.Processing ? 1 : 0;
        return work;
    }

    private int PollInbound(Subscription subscription, ref InboundHandler handler)
    {
        if (_rings.InboundRemaining < FragmentLimit)
        {
            _counters.InboundThrottled++;
            return 0;
        }
        return subscription.Poll(ref handler, FragmentLimit);
    }

    /// <summary>
    /// Decodes one stream's fragments into the inbound ring and tracks that stream's sender sequence;
    /// a fragment that does not decode is counted and answered.
    /// </summary>
    private struct InboundHandler(RiskRings<TWait> rings, NetworkPublication decisions, GateCounters counters) : IFragmentHandler
    {
        private long _expected;
        private readonly byte[] _reply = new byte[InputErrorCodec.Length];

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            counters.FragmentsReceived++;
            var result = InputCodec.TryDecode(buffer, out RiskInput input, out long sequence);
            if (result != DecodeResult.Ok)
            {
                counters.DecodeRejects++;
                int n = InputErrorCodec.Encode(-1, ProcessStatus.Applied, result, _reply);
                if (n > 0) decisions.Offer(_reply.AsSpan(0, n));
                return;
            }
            if (_expected != 0 && sequence > _expected) counters.SequenceGaps += sequence - _expected;
            _expected = sequence + 1;
            // Room was checked before polling (at most FragmentLimit fragments), so this never waits.
            rings.TryPublish(input, out _, tag: sequence);
            counters.InputsPublished++;
            counters.Tally.Input(input.Kind);
        }
    }

    /// <summary>
    /// Encodes outbound events into the decisions stream. A decision waits, encoded, until its input
    /// is journaled (design.md: nothing is published before it is journaled) and while the
    /// publication is back-pressured; it is offered again before anything else.
    /// </summary>
    private struct OutboundHandler(NetworkPublication decisions, GateCounters counters, Disruptor.Sequencing.Sequence? journal) : IEventPollHandler<OutboundEvent>
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _pending;
        private long _pendingInput;

        /// <summary>Offers a held decision again; true when nothing is pending any more.</summary>
        public bool RetryPending()
        {
            if (_pending == 0) return true;
            if (journal is not null && journal.Value < _pendingInput) { counters.JournalWaits++; return false; }
            if (decisions.Offer(_buffer.AsSpan(0, _pending)) < 0) { counters.DecisionBackPressure++; return false; }
            counters.DecisionsSent++;
            _pending = 0;
            return true;
        }

        public bool OnEvent(ref OutboundEvent data, long sequence, bool endOfBatch)
        {
            int n = data.Kind switch
            {
                OutboundKind.Event when data.Event.Kind is EventKind.Account or EventKind.Fund =>
                    AccountSnapshotCodec.Encode(data.Snapshot!, data.Tag, _buffer),
                OutboundKind.Event => OutputCodec.Encode(data.Event, data.Tag, _buffer),
                _ => InputErrorCodec.Encode(data.Tag, data.Status, DecodeResult.Ok, _buffer),
            };
            if (n <= 0) return true; // nothing encodable (a definition error): counted by the processor
            if (data.Kind == OutboundKind.Event) counters.Tally.Decision(in data.Event);
            if (data.LastOfInput) counters.Tally.Decided(data.PublishedTicks);
            if (journal is not null && journal.Value < data.InputSequence)
            {
                counters.JournalWaits++;
                _pending = n;
                _pendingInput = data.InputSequence;
                return false;
            }
            if (decisions.Offer(_buffer.AsSpan(0, n)) < 0)
            {
                counters.DecisionBackPressure++;
                _pending = n; // keep it: offered again before anything else
                return false;
            }
            counters.DecisionsSent++;
            return true;
        }
    }
}
