using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Pipeline;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Host;

/// <summary>What the network thread checks on inbound messages: accepted kinds per stream, the admin subscription, the HMAC key.</summary>
internal sealed record InboundSecurity(ulong MarketDataKinds, ulong OrderFlowKinds, Subscription? Admin, byte[]? HmacKey)
{
    /// <summary>No checks beyond decoding (tests that drive the agent directly).</summary>
    public static InboundSecurity Open { get; } = new(Config.StreamRoles.Any, Config.StreamRoles.Any, null, null);
}


/// <summary>
/// The gate's one network thread (design.md, "one poller thread"). Each duty cycle: the driver's
/// receiver half (sockets in, SMs and NAKs out); market data and order flow decoded straight into
/// claimed inbound slots (it is the ring's single producer, so arrival order is the total order of
/// inputs); the outbound ring's decisions, already encoded by the risk processor, claimed into the
/// decisions publication; then the driver's sender half, so a decision seen in this cycle leaves
/// in this cycle.
/// </summary>
/// <remarks>
/// Threading: <see cref="DoWork"/> runs on one thread only. Nothing is lost under load: inbound
/// polling is limited to the free inbound slots (Aeron's flow control then holds the senders back),
/// and a decision refused by back-pressure (or not yet journaled) stays in its outbound slot, which
/// is consumed only once it was sent. Malformed fragments take a slot like any input, so they are
/// ordered, journaled and answered by the processor.
/// </remarks>
internal sealed class GateAgent<TWait> : IAgent where TWait : struct, IWaitStrategy
{
    private const int FragmentLimit = 64;
    private readonly EmbeddedDriver _driver;
    private readonly Subscription _marketData, _orderFlow;
    private readonly Subscription? _admin;
    private readonly RiskRings<TWait> _rings;
    private readonly EventPoller<OutboundEvent> _outbound;
    private InboundHandler _marketDataIn, _orderFlowIn, _adminIn;
    private OutboundHandler _outHandler;
    private readonly GateCounters _counters;

    public GateAgent(EmbeddedDriver driver, Subscription marketData, Subscription orderFlow, ExclusivePublication decisions,
        RiskRings<TWait> rings, GateCounters counters, int cpu = -1, bool trackAllocations = false, InboundSecurity? security = null)
    {
        security ??= InboundSecurity.Open;
        _trackAllocations = trackAllocations;
        _cpu = cpu;
        _driver = driver;
        _marketData = marketData;
        _orderFlow = orderFlow;
        _rings = rings;
        _outbound = rings.CreatePoller();
        _counters = counters;
        _admin = security.Admin;
        // One keyed HMAC context for all three streams: they are polled on this one thread.
        var authentication = security.HmacKey is { } key ? new MessageAuthentication(key) : null;
        _marketDataIn = new InboundHandler(rings, counters, security.MarketDataKinds, authentication);
        _orderFlowIn = new InboundHandler(rings, counters, security.OrderFlowKinds, authentication);
        _adminIn = new InboundHandler(rings, counters, Config.StreamRoles.Admin, authentication);
        _outHandler = new OutboundHandler(decisions, counters, rings.JournalSequence, rings.Tables.Answers);
    }

    public string RoleName => "gate-poller";

    private readonly int _cpu;
    private readonly bool _trackAllocations;
    private bool _pinned;

    public int DoWork()
    {
        if (!_pinned)
        {
            // First duty cycle runs on the agent's own thread: pin it there.
            _pinned = true;
            if (!CpuAffinity.PinCurrentThread(_cpu)) _counters.PinFailed.Set(1);
        }
        int work = _driver.DoReceiverWork();
        work += PollInbound(_marketData, ref _marketDataIn);
        work += PollInbound(_orderFlow, ref _orderFlowIn);
        if (_admin is not null) work += PollInbound(_admin, ref _adminIn);
        work += _outbound.PollUntilHeld(ref _outHandler);
        work += _driver.DoSenderWork();
        if (_trackAllocations) _counters.NetworkThreadAllocatedBytes.Set(GC.GetAllocatedBytesForCurrentThread());
        return work;
    }

    private int PollInbound(Subscription subscription, ref InboundHandler handler)
    {
        if (_rings.InboundRemaining < FragmentLimit)
        {
            _counters.InboundThrottled.Increment();
            return 0;
        }
        return subscription.Poll(ref handler, FragmentLimit);
    }

    /// <summary>
    /// Decodes one stream's fragments in place into claimed inbound slots and tracks that stream's
    /// sender sequence. A fragment that does not decode, fails its authentication tag, or carries a kind
    /// this stream does not accept (stream roles) enters the ring as a malformed input: ordered,
    /// journaled (as an input-error record) and answered with an input_error naming why, never applied.
    /// </summary>
    private struct InboundHandler(RiskRings<TWait> rings, GateCounters counters, ulong acceptedKinds, MessageAuthentication? authentication) : IFragmentHandler
    {
        private long _expected;

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            counters.FragmentsReceived.Increment();
            // Room was checked before polling (at most FragmentLimit fragments), so this cannot
            // fail; if it ever did, the input is counted as lost, never as published.
            if (!rings.TryClaim(out long slotSequence))
            {
                counters.InboundRingFull.Increment();
                return;
            }
            ref InboundEvent slot = ref rings.Slot(slotSequence);
            DecodeResult result;
            long sequence = 0;
            ReadOnlySpan<byte> message = buffer;
            if (authentication is not null && !authentication.TryVerify(buffer, out message))
            {
                // Not decoded at all: nothing of an unauthenticated message is trusted, not even its sequence.
                slot.Input = default;
                result = DecodeResult.Unauthenticated;
                counters.AuthenticationFailures.Increment();
            }
            else
            {
                result = InputCodec.TryDecode(message, out slot.Input, out sequence);
                if (result == DecodeResult.Ok && !Config.StreamRoles.Accepts(acceptedKinds, slot.Input.Kind))
                {
                    result = DecodeResult.WrongStream;
                    counters.WrongStreamRejects.Increment();
                }
                else if (result != DecodeResult.Ok)
                {
                    counters.DecodeRejects.Increment();
                }
            }
            slot.Tag = sequence;
            slot.ColdIndex = -1;
            slot.DecodeResult = result;
            if (result == DecodeResult.Ok)
            {
                slot.Kind = InboundKind.Input;
                counters.Tally.Input(slot.Input.Kind);
                if (_expected != 0 && sequence > _expected) counters.SequenceGaps.Add(sequence - _expected);
                _expected = sequence + 1;
            }
            else
            {
                slot.Kind = InboundKind.Malformed;
            }
            rings.Commit(slotSequence);
            counters.InputsPublished.Increment();
        }
    }

    /// <summary>
    /// Sends the processor's encoded decisions: a frame claimed in the publication's term and filled
    /// from the slot (or the answer ring), or an offer when an answer needs several frames. A
    /// decision is held in its slot until its input is journaled (design.md: nothing is published
    /// before it is journaled) and while the publication is back-pressured.
    /// </summary>
    private struct OutboundHandler(ExclusivePublication decisions, GateCounters counters, Disruptor.Sequencing.Sequence? journal, AnswerRing answers)
        : IEventHoldHandler<OutboundEvent>
    {
        public bool TryHandle(ref OutboundEvent data, long sequence)
        {
            int length = data.EncodedLength;
            if (length == 0) return true; // nothing to send (a definition error): counted by the processor
            if (journal is not null && journal.Value < data.InputSequence)
            {
                counters.JournalWaits.Increment();
                return false;
            }

            ReadOnlySpan<byte> message = data.AnswerOffset < 0 ? ((ReadOnlySpan<byte>)data.Encoded)[..length] : answers.Read(in data);
            long result = length <= decisions.MaxPayloadLength ? Claim(message) : decisions.Offer(message);
            if (result == PublicationResult.AdminAction)
            {
                // The term rotated under the claim: the next term has room now.
                result = length <= decisions.MaxPayloadLength ? Claim(message) : decisions.Offer(message);
            }
            if (result < 0)
            {
                if (result == PublicationResult.BackPressured || result == PublicationResult.AdminAction) counters.DecisionBackPressure.Increment();
                else counters.DecisionNotConnected.Increment();
                return false;
            }
            counters.DecisionsSent.Increment();
            if (data.Kind == OutboundKind.Event) counters.Tally.Decision(in data.Event);
            if (data.LastOfInput) counters.Tally.Decided(data.PublishedTicks);
            return true;
        }

        private readonly long Claim(ReadOnlySpan<byte> message)
        {
            long result = decisions.TryClaim(message.Length, out BufferClaim claim);
            if (result < 0) return result;
            message.CopyTo(claim.Buffer);
            claim.Commit();
            return result;
        }
    }
}
