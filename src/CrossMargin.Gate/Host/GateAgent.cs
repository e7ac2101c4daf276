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
/// polling is limited to the free inbound slots (Aeron's flow control then holds the senders back).
/// Each decision is copied from its outbound slot into the <see cref="DecisionLog"/> under its own
/// output sequence, which frees the slot at once; it is sent from the log (the output sequence in
/// the Aeron frame's reserved value) once its input is journaled and the publication takes it. So a
/// slow or absent decisions consumer fills the log, not the outbound ring, and never stops risk
/// processing or intake (issue 9, item 4); only a full log holds decisions in their slots again.
/// Malformed fragments take a slot like any input, so they are ordered, journaled and answered by
/// the processor.
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
    private readonly DecisionLog _log;
    private readonly ExclusivePublication _decisions;
    private readonly Disruptor.Sequencing.Sequence? _journal;

    /// <summary>Decisions sent from the log per duty cycle at most, so intake is polled often under a backlog.</summary>
    private const int SendLimit = 256;

    public GateAgent(EmbeddedDriver driver, Subscription marketData, Subscription orderFlow, ExclusivePublication decisions,
        RiskRings<TWait> rings, GateCounters counters, DecisionLog log, PublisherSequences publishers, int cpu = -1, bool trackAllocations = false,
        InboundSecurity? security = null)
    {
        security ??= InboundSecurity.Open;
        _log = log;
        _decisions = decisions;
        _journal = rings.JournalSequence;
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
        _marketDataIn = new InboundHandler(rings, counters, publishers, security.MarketDataKinds, authentication);
        _orderFlowIn = new InboundHandler(rings, counters, publishers, security.OrderFlowKinds, authentication);
        _adminIn = new InboundHandler(rings, counters, publishers, Config.StreamRoles.Admin, authentication);
        _outHandler = new OutboundHandler(log, decisions, counters, rings.JournalSequence, rings.Tables.Answers);
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
        work += SendFromLog();
        work += _driver.DoSenderWork();
        if (_trackAllocations) _counters.NetworkThreadAllocatedBytes.Set(GC.GetAllocatedBytesForCurrentThread());
        return work;
    }

    /// <summary>
    /// Sends the log's oldest decisions while their inputs are journaled and the publication takes
    /// them; nothing is offered while no subscriber is connected, so a subscriber that connects
    /// later receives every decision from the log's head on, in order, exactly once.
    /// </summary>
    private int SendFromLog()
    {
        int sent = 0;
        while (sent < SendLimit && _log.TryPeek(out var message, out long outputSequence, out long inputSequence))
        {
            if (_journal is not null && _journal.Value < inputSequence)
            {
                _counters.JournalWaits.Increment();
                break;
            }
            long result = OutboundHandler.Send(_decisions, message, outputSequence);
            if (result < 0)
            {
                if (result == PublicationResult.BackPressured || result == PublicationResult.AdminAction) _counters.DecisionBackPressure.Increment();
                else _counters.DecisionNotConnected.Increment();
                break;
            }
            _log.Advance();
            _counters.DecisionsSent.Increment();
            sent++;
        }
        _counters.DecisionsPending.Set(_log.Pending);
        _counters.LastDecisionSequence.Set(_log.LastOutputSequence);
        return sent;
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
    /// sender sequence per publisher (Aeron session and stream). A fragment that does not decode,
    /// fails its authentication tag, or carries a kind this stream does not accept (stream roles)
    /// enters the ring as a malformed input: ordered, journaled (as an input-error record) and
    /// answered with an input_error naming why, never applied.
    /// </summary>
    private readonly struct InboundHandler(RiskRings<TWait> rings, GateCounters counters, PublisherSequences publishers,
        ulong acceptedKinds, MessageAuthentication? authentication) : IFragmentHandler
    {
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
            slot.SessionId = header.SessionId; // journaled with the input: a restart rebuilds the publisher's sequence from it
            slot.StreamId = header.StreamId;
            slot.ColdIndex = -1;
            slot.DecodeResult = result;
            if (result == DecodeResult.Ok)
            {
                slot.Kind = InboundKind.Input;
                counters.Tally.Input(slot.Input.Kind);
                long gap = publishers.Track(header.SessionId, header.StreamId, sequence);
                if (gap > 0) counters.SequenceGaps.Add(gap);
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
    /// Moves the processor's encoded decisions (from the slot, or the answer ring) into the
    /// <see cref="DecisionLog"/>, which releases the slot; holds a decision in its slot only while
    /// the log is full. A message longer than the log takes is sent straight from its slot once the
    /// log is empty (order kept), held while its input is not journaled or the publication refuses.
    /// </summary>
    private struct OutboundHandler(DecisionLog log, ExclusivePublication decisions, GateCounters counters, Disruptor.Sequencing.Sequence? journal, AnswerRing answers)
        : IEventHoldHandler<OutboundEvent>
    {
        public bool TryHandle(ref OutboundEvent data, long sequence)
        {
            int length = data.EncodedLength;
            if (length == 0) return true; // nothing to send (a definition error): counted by the processor
            ReadOnlySpan<byte> message = data.AnswerOffset < 0 ? ((ReadOnlySpan<byte>)data.Encoded)[..length] : answers.Read(in data);
            if (!log.TryAppend(message, data.InputSequence))
            {
                if (length <= DecisionLog.MaxMessageLength(log.Capacity) || log.Pending > 0 || !TrySendDirect(message, data.InputSequence))
                {
                    counters.DecisionLogFull.Increment();
                    return false;
                }
            }
            if (data.Kind == OutboundKind.Event) counters.Tally.Decision(in data.Event);
            if (data.LastOfInput) counters.Tally.Decided(data.PublishedTicks);
            return true;
        }

        /// <summary>An oversized message: numbered and sent without the log, when its input is journaled.</summary>
        private readonly bool TrySendDirect(ReadOnlySpan<byte> message, long inputSequence)
        {
            if (journal is not null && journal.Value < inputSequence) return false;
            long outputSequence = log.LastOutputSequence + 1;
            if (Send(decisions, message, outputSequence) < 0) return false;
            log.SkipSequence();
            counters.DecisionsSent.Increment();
            return true;
        }

        /// <summary>
        /// Offers one decision with its output sequence in the Aeron data frame's reserved value: a
        /// frame claimed in the term when it fits one, an offer when it needs several. Retries once
        /// when the term rotated under the claim (the next term has room now).
        /// </summary>
        public static long Send(ExclusivePublication decisions, ReadOnlySpan<byte> message, long outputSequence)
        {
            long result = message.Length <= decisions.MaxPayloadLength ? Claim(decisions, message, outputSequence) : decisions.Offer(message, outputSequence);
            if (result == PublicationResult.AdminAction)
                result = message.Length <= decisions.MaxPayloadLength ? Claim(decisions, message, outputSequence) : decisions.Offer(message, outputSequence);
            return result;
        }

        private static long Claim(ExclusivePublication decisions, ReadOnlySpan<byte> message, long outputSequence)
        {
            long result = decisions.TryClaim(message.Length, out BufferClaim claim);
            if (result < 0) return result;
            message.CopyTo(claim.Buffer);
            claim.ReservedValue = outputSequence;
            claim.Commit();
            return result;
        }
    }
}
