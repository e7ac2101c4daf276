using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Pipeline;
using CrossMargin.Messages;
using CrossMargin.Messages.Recovery;

namespace CrossMargin.Gate.Host;

/// <summary>What the network thread checks on inbound messages: accepted kinds per stream, the admin subscription, the HMAC key.</summary>
internal sealed record InboundSecurity(ulong MarketDataKinds, ulong OrderFlowKinds, Subscription? Admin, byte[]? HmacKey)
{
    /// <summary>No checks beyond decoding (tests that drive the agent directly).</summary>
    public static InboundSecurity Open { get; } = new(Config.StreamRoles.Any, Config.StreamRoles.Any, null, null);
}


/// <summary>
/// Recovery wiring of the network thread (issue 9, items 3 and 4); every part optional.
/// </summary>
/// <param name="OrderFlow">Order-flow gap recovery; null: gaps are counted and skipped.</param>
/// <param name="Requests">Where RecoveryRequests for missing order flow go (the exchange subscribes).</param>
/// <param name="ReplayRequests">Where decisions consumers ask for missed decisions.</param>
/// <param name="Journal">The on-disk decision log (every decision, under its output sequence); null without a journal.</param>
/// <param name="Replayer">Serves replay requests from <paramref name="Journal"/>.</param>
/// <param name="Redo">Journaled inputs whose decisions a crash lost, fed through the processor again first.</param>
/// <param name="InputBase">Input-journal sequence of inbound ring slot 0 (slot r answers journal record InputBase + r).</param>
/// <param name="LoggedThrough">Input-journal sequence of the last input with decisions on disk: decisions of inputs before it are dropped when produced again (redo, or an input the journal lost in a torn tail and recovery brought back).</param>
/// <param name="LoggedOfLast">Decisions of <paramref name="LoggedThrough"/> on disk: that many of its decisions are dropped.</param>
internal sealed record RecoveryWiring(OrderFlowRecovery? OrderFlow, ExclusivePublication? Requests, Subscription? ReplayRequests,
    Journal.DecisionJournal? Journal, Journal.DecisionReplayer? Replayer, RedoFeed? Redo, long InputBase, long LoggedThrough = 0, int LoggedOfLast = 0)
{
    /// <summary>Nothing recovered, nothing logged to disk.</summary>
    public static RecoveryWiring None { get; } = new(null, null, null, null, null, null, 0);
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
    private readonly RecoveryWiring _recovery;
    private readonly RecoveryDesk? _desk;
    private ReplayRequestHandler _replayIn;
    private readonly RecoveryRange[] _requests = new RecoveryRange[16];
    private readonly byte[] _control = new byte[RecoveryRequestCodec.Length + MessageAuthentication.TagLength];
    /// <summary>The keyed HMAC context (null without a key): verifies inbound inputs and replay requests, signs RecoveryRequests.</summary>
    private readonly MessageAuthentication? _authentication;

    /// <summary>Decisions sent from the log per duty cycle at most, so intake is polled often under a backlog.</summary>
    private const int SendLimit = 256;

    public GateAgent(EmbeddedDriver driver, Subscription marketData, Subscription orderFlow, ExclusivePublication decisions,
        RiskRings<TWait> rings, GateCounters counters, DecisionLog log, PublisherSequences publishers, int cpu = -1, bool trackAllocations = false,
        InboundSecurity? security = null, RecoveryWiring? recovery = null)
    {
        security ??= InboundSecurity.Open;
        _recovery = recovery ?? RecoveryWiring.None;
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
        // One keyed HMAC context for every stream and control message: all are handled on this one thread.
        var authentication = _authentication = security.HmacKey is { } key ? new MessageAuthentication(key) : null;
        if (_recovery.OrderFlow is { } flow) _desk = new RecoveryDesk(flow, log, _recovery.Journal, counters, rings);
        _marketDataIn = new InboundHandler(rings, counters, publishers, security.MarketDataKinds, authentication, null, false);
        _orderFlowIn = new InboundHandler(rings, counters, publishers, security.OrderFlowKinds, authentication, _desk, true);
        _adminIn = new InboundHandler(rings, counters, publishers, Config.StreamRoles.Admin, authentication, _desk, false);
        _replayIn = new ReplayRequestHandler(_recovery.Replayer, counters, decisions.StreamId, authentication);
        _outHandler = new OutboundHandler(log, decisions, counters, rings.JournalSequence, rings.Tables.Answers, _recovery.Journal, _recovery.InputBase,
            _recovery.LoggedThrough, _recovery.LoggedOfLast, _desk);
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
        if (_recovery.Redo is { Remaining: > 0 } redo) work += FeedRedo(redo); // before any live input: it precedes them in the journal
        else
        {
            work += PollInbound(_marketData, ref _marketDataIn);
            work += PollInbound(_orderFlow, ref _orderFlowIn);
            if (_admin is not null) work += PollInbound(_admin, ref _adminIn);
            if (_desk is not null && _recovery.OrderFlow!.Recovering > 0) work += DrainRecovered() + SendRecoveryRequests();
        }
        // Read before the poll: every decision of an input up to `processed` is at or below `produced`.
        long processed = _rings.ProcessedSequence, produced = _rings.OutboundSequencer.Cursor.Value;
        work += _outbound.PollUntilHeld(ref _outHandler);
        // Door rejects wait for the decisions of the inputs before them: flushed once those are all out of the ring.
        if (_desk is { PendingRejects: > 0 } && _rings.ConsumedSequence >= produced) _desk.FlushRejects(processed + 1);
        if (_recovery.Journal is { } disk)
        {
            if (!disk.Commit()) _counters.DecisionLogFaults.Increment();
            else MarkDecided(disk, processed, produced);
            _counters.DecisionLogSyncs.Set(disk.Syncs);
        }
        work += SendFromLog();
        if (_recovery.ReplayRequests is { } replay) work += replay.Poll(ref _replayIn, 8) + SendReplays();
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
            if (_recovery.Journal is { } disk && !disk.IsSendable(outputSequence))
            {
                _counters.DecisionSyncWaits.Increment(); // journal.durability batch: sent once the log's sync thread covered it
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

    private long _markedAt, _marked = -1;

    /// <summary>
    /// Every 100 ms: when the outbound ring was drained up to what the processor had produced, every
    /// decision of the inputs it had processed is on disk; the decision journal records how far.
    /// </summary>
    private void MarkDecided(Journal.DecisionJournal disk, long processed, long produced)
    {
        if (processed <= _marked || _rings.ConsumedSequence < produced) return;
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (now - _markedAt < System.Diagnostics.Stopwatch.Frequency / 10 && !_stopping) return;
        _markedAt = now;
        _marked = processed;
        disk.MarkDecided(_recovery.InputBase + processed);
    }

    private volatile bool _stopping;

    /// <summary>Marks on every duty cycle from now on (a stop is draining: the last mark must cover everything).</summary>
    public void Stopping() => _stopping = true;

    /// <summary>The last mark, from the stopping thread once this agent's thread has ended (the rings are drained).</summary>
    public void FinalMark()
    {
        if (_recovery.Journal is not { } disk || !disk.Commit()) return;
        _stopping = true;
        MarkDecided(disk, _rings.ProcessedSequence, _rings.OutboundSequencer.Cursor.Value);
    }

    /// <summary>Feeds journaled inputs whose decisions a crash lost into the ring again (marked redo: not journaled twice).</summary>
    private int FeedRedo(RedoFeed redo)
    {
        int fed = 0;
        while (fed < FragmentLimit && _rings.InboundRemaining > 0 && redo.TryNext(out int session, out int stream, out var message))
        {
            // A malformed input was journaled as its input-error record: it keeps its decode result.
            if (InputErrorCodec.TryDecode(message, out long tag, out _, out var why) == DecodeResult.Ok) _orderFlowIn.PublishMalformed(session, stream, why, tag, redo: true);
            else _orderFlowIn.Publish(message, session, stream, track: false, redo: true);
            fed++;
        }
        return fed;
    }

    /// <summary>Applies buffered order flow whose gap was filled, in sequence order, while the ring has room.</summary>
    private int DrainRecovered()
    {
        var recovery = _recovery.OrderFlow!;
        int drained = 0;
        while (drained < FragmentLimit && _rings.InboundRemaining > 0 && recovery.TryTakeNext(out int slot, out _, out var message))
        {
            _desk!.Admitted(ref _orderFlowIn, message, slot);
            drained++;
        }
        return drained;
    }

    /// <summary>Sends the RecoveryRequests now due (new gaps, and retries after the timeout) on the recovery channel.</summary>
    private int SendRecoveryRequests()
    {
        int n = _recovery.OrderFlow!.CollectRequests(System.Diagnostics.Stopwatch.GetTimestamp(), _requests);
        for (int k = 0; k < n; k++)
        {
            int length = RecoveryRequestCodec.Encode(_requests[k], _control);
            // With a key the exchange only serves signed requests: a spoofed one must not make it replay its flow.
            if (length > 0 && _authentication is not null) length = _authentication.Sign(_control, length);
            // Not connected or back-pressured: lost; the timeout asks again.
            if (length > 0 && _recovery.Requests is { } requests && requests.Offer(_control.AsSpan(0, length)) < 0) _counters.RecoveryRequestsUnsent.Increment();
        }
        return n;
    }

    /// <summary>Sends decisions consumers asked for again (from the on-disk log), and RecoveryUnavailable for what it cannot.</summary>
    private int SendReplays()
    {
        var replayer = _recovery.Replayer;
        if (replayer is null || replayer.Pending == 0) return 0;
        long readable = _recovery.Journal?.OsSequence ?? 0;
        int sent = 0;
        while (sent < SendLimit)
        {
            if (replayer.TryPeek(readable, out long outputSequence, out var decision, out var unavailable))
            {
                if (OutboundHandler.Send(_decisions, decision, outputSequence) < 0) break; // retried next cycle
                replayer.Advance();
                _counters.DecisionsReplayed.Increment();
            }
            else if (unavailable.ToSequence != 0)
            {
                int length = RecoveryUnavailableCodec.Encode(unavailable, _control);
                if (length > 0) _decisions.Offer(_control.AsSpan(0, length));
                _counters.DecisionReplayUnavailable.Increment();
            }
            else break;
            sent++;
        }
        _counters.DecisionReplayPending.Set(replayer.Remaining);
        return sent;
    }

    /// <summary>
    /// Decodes one stream's fragments in place into claimed inbound slots and tracks that stream's
    /// sender sequence per publisher (Aeron session and stream). A fragment that does not decode,
    /// fails its authentication tag, or carries a kind this stream does not accept (stream roles)
    /// enters the ring as a malformed input: ordered, journaled (as an input-error record) and
    /// answered with an input_error naming why, never applied. With recovery on, order flow passes
    /// the <see cref="RecoveryDesk"/> first (gaps buffered, duplicates dropped, RecoveryUnavailable
    /// answers taken) and the admin stream takes PublisherResume commands.
    /// </summary>
    private readonly struct InboundHandler(RiskRings<TWait> rings, GateCounters counters, PublisherSequences publishers,
        ulong acceptedKinds, MessageAuthentication? authentication, RecoveryDesk? desk, bool orderFlow) : IFragmentHandler
    {
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            counters.FragmentsReceived.Increment();
            ReadOnlySpan<byte> message = buffer;
            if (authentication is not null && !authentication.TryVerify(buffer, out message))
            {
                // Not decoded at all: nothing of an unauthenticated message is trusted, not even its sequence.
                counters.AuthenticationFailures.Increment();
                PublishMalformed(header.SessionId, header.StreamId, DecodeResult.Unauthenticated);
                return;
            }
            if (desk is not null)
            {
                if (desk.Admit(message, header.SessionId, header.StreamId, orderFlow, out bool tracked)) Publish(message, header.SessionId, header.StreamId, !tracked, false);
                return;
            }
            Publish(message, header.SessionId, header.StreamId, true, false);
        }

        /// <summary>Publishes one verified message of publisher (<paramref name="sessionId"/>, <paramref name="streamId"/>) into a claimed slot.</summary>
        public void Publish(ReadOnlySpan<byte> message, int sessionId, int streamId, bool track, bool redo)
        {
            // Room was checked before polling (at most FragmentLimit fragments), so this cannot
            // fail; if it ever did, the input is counted as lost, never as published.
            if (!rings.TryClaim(out long slotSequence))
            {
                counters.InboundRingFull.Increment();
                return;
            }
            ref InboundEvent slot = ref rings.Slot(slotSequence);
            DecodeResult result = InputCodec.TryDecode(message, out slot.Input, out long sequence);
            if (result == DecodeResult.Ok && message.Length > InboundEvent.ReceivedCapacity)
            {
                // A block extended past anything this schema version sends: the journal could not keep it as received.
                result = DecodeResult.BadBlockLength;
                slot.Input = default;
                if (!redo) counters.DecodeRejects.Increment();
            }
            else if (result == DecodeResult.Ok && !Config.StreamRoles.Accepts(acceptedKinds, slot.Input.Kind))
            {
                result = DecodeResult.WrongStream;
                counters.WrongStreamRejects.Increment();
            }
            else if (result != DecodeResult.Ok && !redo)
            {
                counters.DecodeRejects.Increment();
            }
            slot.Tag = sequence;
            slot.SessionId = sessionId; // journaled with the input: a restart rebuilds the publisher's sequence from it
            slot.StreamId = streamId;
            slot.ColdIndex = -1;
            slot.DecodeResult = result;
            slot.Redo = redo;
            if (result == DecodeResult.Ok)
            {
                message.CopyTo(slot.Received); // what the journaler appends (≤ ReceivedCapacity, checked above)
                slot.ReceivedLength = (ushort)message.Length;
                slot.Kind = InboundKind.Input;
                counters.Tally.Input(slot.Input.Kind);
                if (track)
                {
                    long gap = publishers.Track(sessionId, streamId, sequence);
                    if (gap > 0) counters.SequenceGaps.Add(gap);
                }
            }
            else
            {
                slot.ReceivedLength = 0; // journaled as its input-error record
                slot.Kind = InboundKind.Malformed;
            }
            rings.Commit(slotSequence);
            counters.InputsPublished.Increment();
        }

        /// <summary>A redo of a journaled input-error record: its decode result is in the record, not in bytes to decode.</summary>
        public void PublishMalformed(int sessionId, int streamId, DecodeResult why, long tag = 0, bool redo = false)
        {
            if (!rings.TryClaim(out long slotSequence))
            {
                counters.InboundRingFull.Increment();
                return;
            }
            ref InboundEvent slot = ref rings.Slot(slotSequence);
            slot.Input = default;
            slot.Tag = tag;
            slot.SessionId = sessionId;
            slot.StreamId = streamId;
            slot.ColdIndex = -1;
            slot.DecodeResult = why;
            slot.Redo = redo;
            slot.ReceivedLength = 0;
            slot.Kind = InboundKind.Malformed;
            rings.Commit(slotSequence);
            counters.InputsPublished.Increment();
        }
    }

    /// <summary>
    /// Takes consumers' decision replay requests off the replay-request channel (requests for another stream are
    /// refused as unavailable-free drops). With a key, a request without its valid HMAC trailer is counted and
    /// dropped before decoding: never served, so a spoofed request cannot make the gate resend decisions.
    /// </summary>
    private readonly struct ReplayRequestHandler(Journal.DecisionReplayer? replayer, GateCounters counters, int decisionsStream,
        MessageAuthentication? authentication) : IFragmentHandler
    {
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            counters.DecisionReplayRequests.Increment();
            ReadOnlySpan<byte> message = buffer;
            if (authentication is not null && !authentication.TryVerify(buffer, out message)) { counters.DecisionReplayUnauthenticated.Increment(); return; }
            if (RecoveryRequestCodec.TryDecode(message, out var range) != DecodeResult.Ok || range.StreamId != decisionsStream) { counters.DecodeRejects.Increment(); return; }
            if (replayer is null || !replayer.Enqueue(range)) counters.DecisionReplayUnavailable.Increment();
        }
    }

    /// <summary>
    /// Moves the processor's encoded decisions (from the slot, or the answer ring) into the
    /// <see cref="DecisionLog"/>, which releases the slot; holds a decision in its slot only while
    /// the log is full. A message longer than the log takes is sent straight from its slot once the
    /// log is empty (order kept), held while its input is not journaled or the publication refuses.
    /// With an on-disk decision journal every decision is also appended there under its output
    /// sequence (with the journal record of its input), once its input is journaled (held in its slot
    /// until then, so the disk never holds a decision of an input the journal lacks); decisions the
    /// disk holds already from before a crash (<paramref name="loggedThrough"/>) are dropped when produced again.
    /// </summary>
    private struct OutboundHandler(DecisionLog log, ExclusivePublication decisions, GateCounters counters, Disruptor.Sequencing.Sequence? journal, AnswerRing answers,
        Journal.DecisionJournal? disk, long inputBase, long loggedThrough, int loggedOfLast, RecoveryDesk? desk)
        : IEventHoldHandler<OutboundEvent>
    {
        private int _droppedOfLast;

        public bool TryHandle(ref OutboundEvent data, long sequence)
        {
            // Door rejects of inputs that arrived before this decision's input go first (decisions keep input order).
            if (desk is { PendingRejects: > 0 } && !desk.FlushRejects(data.InputSequence)) return false;
            int length = data.EncodedLength;
            if (length == 0) return true; // nothing to send (a definition error): counted by the processor
            if (disk is not null)
            {
                if (journal is not null && journal.Value < data.InputSequence) return false; // its input first
                long input = inputBase + data.InputSequence;
                if (input < loggedThrough || (input == loggedThrough && _droppedOfLast < loggedOfLast))
                {
                    if (input == loggedThrough) _droppedOfLast++;
                    return true; // on disk (and sent) before the crash: the same decision, not a new one
                }
            }
            ReadOnlySpan<byte> message = data.AnswerOffset < 0 ? ((ReadOnlySpan<byte>)data.Encoded)[..length] : answers.Read(in data);
            if (!log.TryAppend(message, data.InputSequence))
            {
                if (length <= DecisionLog.MaxMessageLength(log.Capacity) || log.Pending > 0 || !TrySendDirect(message, data.InputSequence))
                {
                    counters.DecisionLogFull.Increment();
                    return false;
                }
            }
            else ToDisk(log.LastOutputSequence, data.InputSequence, message);
            if (data.Kind == OutboundKind.Event) counters.Tally.Decision(in data.Event);
            if (data.LastOfInput) counters.Tally.Decided(data.PublishedTicks);
            return true;
        }

        private readonly void ToDisk(long outputSequence, long inputSequence, ReadOnlySpan<byte> message)
        {
            if (disk is null) return;
            if (disk.Append(outputSequence, inputBase + inputSequence, message)) counters.DecisionsLogged.Increment();
            else counters.DecisionLogFaults.Increment();
        }

        /// <summary>An oversized message: numbered and sent without the log, when its input is journaled.</summary>
        private readonly bool TrySendDirect(ReadOnlySpan<byte> message, long inputSequence)
        {
            if (journal is not null && journal.Value < inputSequence) return false;
            long outputSequence = log.LastOutputSequence + 1;
            if (disk is not null && disk.LastSequence < outputSequence)
            {
                // Once: a retry (not synced yet, or refused by the publication) finds it on disk already.
                ToDisk(outputSequence, inputSequence, message);
                if (!disk.Commit()) counters.DecisionLogFaults.Increment();
            }
            if (disk is not null && !disk.IsSendable(outputSequence)) return false;
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

    /// <summary>
    /// Order-flow admission with recovery on (network thread): runs each verified message past
    /// <see cref="OrderFlowRecovery"/> before it may take a ring slot, takes the recovery protocol's
    /// answers and the operator's resume, and refuses new risk — orders and withdrawals — of a halted
    /// publisher at the door. Its other inputs go on to the engine: fills are facts the exchange already
    /// executed, cancels and deposits only lower risk, margin modes and moves shift collateral between an
    /// account's own parts under the engine's margin checks, and queries change nothing.
    /// </summary>
    private sealed class RecoveryDesk(OrderFlowRecovery recovery, DecisionLog log, Journal.DecisionJournal? disk, GateCounters counters, RiskRings<TWait> rings)
    {
        private const int RejectQueue = 256;
        private readonly byte[] _reject = new byte[RejectQueue * OutputCodec.MaxLength];
        private readonly int[] _rejectLength = new int[RejectQueue];
        private readonly long[] _rejectAfter = new long[RejectQueue]; // ring sequence of the last input published before it
        private int _rejectHead;

        /// <summary>Door rejects waiting for the decisions of the inputs published before them.</summary>
        public int PendingRejects { get; private set; }

        /// <summary>Moves the door rejects of orders that arrived before ring input <paramref name="beforeInput"/> into the decision log; false when the log is full.</summary>
        public bool FlushRejects(long beforeInput)
        {
            while (PendingRejects > 0 && _rejectAfter[_rejectHead] < beforeInput)
            {
                var message = _reject.AsSpan(_rejectHead * OutputCodec.MaxLength, _rejectLength[_rejectHead]);
                // It waits for no journal record of its own (−1): it was never journaled, it never reached the engine.
                if (!log.TryAppend(message, -1)) { counters.DecisionLogFull.Increment(); return false; }
                if (disk is not null && !disk.Append(log.LastOutputSequence, 0, message)) counters.DecisionLogFaults.Increment();
                _rejectHead = (_rejectHead + 1) % RejectQueue;
                PendingRejects--;
            }
            return true;
        }

        /// <summary>
        /// Whether <paramref name="message"/> goes on into the ring now (<paramref name="tracked"/>: its
        /// sequence was checked here). False when it was buffered, dropped, refused at the door, or was
        /// a recovery-protocol or operator message.
        /// </summary>
        public bool Admit(ReadOnlySpan<byte> message, int sessionId, int streamId, bool orderFlow, out bool tracked)
        {
            tracked = false;
            ushort template = MessageHeader.TemplateOf(message);
            if (!orderFlow)
            {
                // The admin stream: a resume is an operator command to the gate, not an input.
                if (template != PublisherResumeCodec.TemplateId) return true;
                if (PublisherResumeCodec.TryDecode(message, out int session, out int stream) == DecodeResult.Ok) recovery.Resume(session, stream);
                else counters.DecodeRejects.Increment();
                return false;
            }
            if (template == RecoveryUnavailableCodec.TemplateId)
            {
                if (RecoveryUnavailableCodec.TryDecode(message, out var range) == DecodeResult.Ok && range.SessionId == sessionId && range.StreamId == streamId)
                    recovery.OnUnavailable(range); // a publisher speaks only for its own sequence
                else counters.DecodeRejects.Increment();
                return false;
            }
            // Every input's block starts with its sender sequence: read it without decoding the rest.
            if (!InputCodec.IsInputTemplate(template) || message.Length < MessageHeader.Length + sizeof(long)) return true; // malformed: ordered and answered as such
            long sequence = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(message[MessageHeader.Length..]);
            var action = recovery.OnArrival(sessionId, streamId, sequence, message, out int slot);
            if (action is not (ArrivalAction.Apply or ArrivalAction.Untracked)) return false;
            tracked = action == ArrivalAction.Apply;
            if (recovery.IsHalted(slot) && AddsRisk(template))
            {
                RejectAtDoor(message);
                return false;
            }
            return true;
        }

        /// <summary>A buffered message whose turn came (its sequence was checked when it arrived).</summary>
        public void Admitted(ref InboundHandler handler, ReadOnlySpan<byte> message, int slot)
        {
            if (recovery.IsHalted(slot) && AddsRisk(MessageHeader.TemplateOf(message))) RejectAtDoor(message);
            else handler.Publish(message, recovery.SessionOf(slot), recovery.StreamOf(slot), track: false, redo: false);
        }

        /// <summary>Inputs a halted publisher may not send: the ones whose approval adds risk (an order's exposure, a withdrawal's collateral leaving).</summary>
        private static bool AddsRisk(ushort template) => template is (ushort)InputKind.Order or (ushort)InputKind.Withdraw;

        /// <summary>
        /// Refuses a new order or a withdrawal of a halted publisher with reject reason sequence_gap: not
        /// journaled (it never reached the engine), answered through the decision log after the decisions
        /// of every input that arrived before it — as the engine answers a refused one (a rejected order,
        /// a withdrawal not accepted).
        /// </summary>
        private void RejectAtDoor(ReadOnlySpan<byte> message)
        {
            counters.SequenceGapRejects.Increment();
            if (InputCodec.TryDecode(message, out RiskInput input, out long sequence) != DecodeResult.Ok) return;
            if (PendingRejects == RejectQueue && !FlushRejects(long.MaxValue)) return; // a full queue goes out now (counted if the log is full too)
            var e = input.Kind == InputKind.Withdraw
                ? new RiskEvent { Kind = EventKind.Withdrawal, Account = input.Account, Asset = input.Asset, Amount = input.Amount, Accepted = false, Reason = RejectReason.SequenceGap }
                : new RiskEvent { Kind = EventKind.Rejected, Account = input.Account, OrderId = input.OrderId, Reason = RejectReason.SequenceGap };
            int at = (_rejectHead + PendingRejects) % RejectQueue;
            int n = OutputCodec.Encode(in e, sequence, _reject.AsSpan(at * OutputCodec.MaxLength, OutputCodec.MaxLength));
            if (n <= 0) return;
            _rejectLength[at] = n;
            _rejectAfter[at] = rings.PublishedSequence;
            PendingRejects++;
            counters.Tally.Decision(in e);
        }
    }
}
