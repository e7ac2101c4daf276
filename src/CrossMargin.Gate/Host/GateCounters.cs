using CrossMargin.Concurrency;

namespace CrossMargin.Gate.Host;

/// <summary>
/// Counters of the gate's duty-cycle thread: <see cref="OrderedCounter"/>s written by that thread
/// only (release stores), read by operators from any thread (acquire loads).
/// </summary>
public sealed class GateCounters
{
    /// <summary>Fragments received on the market-data and order-flow streams.</summary>
    public OrderedCounter FragmentsReceived;
    /// <summary>Inputs published into the inbound ring (malformed ones included).</summary>
    public OrderedCounter InputsPublished;
    /// <summary>Fragments that failed to decode (published as malformed inputs: ordered, journaled, answered with an input_error decision).</summary>
    public OrderedCounter DecodeRejects;
    /// <summary>Messages refused because their kind is not accepted on the stream they arrived on (stream roles; answered with an input_error WrongStream).</summary>
    public OrderedCounter WrongStreamRejects;
    /// <summary>Messages refused because their HMAC-SHA256 trailer was missing or wrong (answered with an input_error Unauthenticated).</summary>
    public OrderedCounter AuthenticationFailures;
    /// <summary>Fragments lost because the inbound ring had no free slot (polling is limited to the free slots, so this stays 0).</summary>
    public OrderedCounter InboundRingFull;
    /// <summary>Sender sequence numbers found missing, summed over publishers (each Aeron session on each stream numbers its own messages; see <see cref="PublisherSequences"/>); with recovery on, order-flow gaps counted here are asked for again, not skipped.</summary>
    public OrderedCounter SequenceGaps;
    /// <summary>Order-flow messages held in a gap buffer until the gap before them was filled (<see cref="OrderFlowRecovery"/>).</summary>
    public OrderedCounter RecoveryBuffered;
    /// <summary>Order-flow messages dropped as duplicates (a sequence already applied or buffered: replays overlapping live flow).</summary>
    public OrderedCounter RecoveryDuplicates;
    /// <summary>Order-flow messages after a gap dropped because the gap buffer was full or none was free (asked for again).</summary>
    public OrderedCounter RecoveryOverflows;
    /// <summary>RecoveryRequests sent for missing order-flow ranges (retries included).</summary>
    public OrderedCounter RecoveryRequests;
    /// <summary>RecoveryRequests the recovery publication did not take (not connected or back-pressured; asked again after the timeout).</summary>
    public OrderedCounter RecoveryRequestsUnsent;
    /// <summary>RecoveryUnavailable answers received from publishers.</summary>
    public OrderedCounter RecoveryUnavailable;
    /// <summary>Order-flow sequences declared lost (unavailable, or retries exhausted): each halts its publisher for new risk.</summary>
    public OrderedCounter RecoveryLost;
    /// <summary>Publishers with a gap outstanding now.</summary>
    public OrderedCounter PublishersRecovering;
    /// <summary>Publishers halted for new risk now (an unrecoverable loss not yet resumed by an operator).</summary>
    public OrderedCounter PublishersHalted;
    /// <summary>Publisher halts lifted by an operator (PublisherResume on the admin stream).</summary>
    public OrderedCounter PublishersResumed;
    /// <summary>Halt or resume records that could not be written to the journal's publisher-halts file (the halt holds in memory; a restart may not see it).</summary>
    public OrderedCounter HaltRecordFaults;
    /// <summary>Orders and withdrawals refused at the door with reject reason sequence_gap (their publisher is halted).</summary>
    public OrderedCounter SequenceGapRejects;
    /// <summary>Decisions written to the on-disk decision log (each under its output sequence).</summary>
    public OrderedCounter DecisionsLogged;
    /// <summary>fdatasyncs of the on-disk decision log (per <c>journal.durability</c>: with <c>batch</c> one per group of duty cycles committed while the previous sync ran, one per interval with <c>interval:MS</c>, none with <c>none</c>).</summary>
    public OrderedCounter DecisionLogSyncs;
    /// <summary>Duty cycles in which the oldest decision waited for the decision log's sync (<c>journal.durability</c> batch) before it could be sent.</summary>
    public OrderedCounter DecisionSyncWaits;
    /// <summary>Decision log (on disk) write failures: decisions still flow, but what failed cannot be replayed.</summary>
    public OrderedCounter DecisionLogFaults;
    /// <summary>Decision replay requests received from consumers.</summary>
    public OrderedCounter DecisionReplayRequests;
    /// <summary>Decisions sent again from the on-disk decision log.</summary>
    public OrderedCounter DecisionsReplayed;
    /// <summary>Decision replay requests answered RecoveryUnavailable (range not in the log, or no log).</summary>
    public OrderedCounter DecisionReplayUnavailable;
    /// <summary>Decisions of replay requests not yet sent (the replay in progress; 0 when none).</summary>
    public OrderedCounter DecisionReplayPending;
    /// <summary>Decision replay requests dropped unserved because their HMAC-SHA256 trailer was missing or wrong (only with <c>security.hmacKeyFile</c>).</summary>
    public OrderedCounter DecisionReplayUnauthenticated;
    /// <summary>Decisions offered successfully.</summary>
    public OrderedCounter DecisionsSent;
    /// <summary>Claims/offers refused by back-pressure (held in the decision log and retried, never dropped).</summary>
    public OrderedCounter DecisionBackPressure;
    /// <summary>Send attempts refused because no subscriber is connected or the publication is closed (held in the decision log and retried).</summary>
    public OrderedCounter DecisionNotConnected;
    /// <summary>Duty cycles that skipped inbound polling because the inbound ring was nearly full.</summary>
    public OrderedCounter InboundThrottled;
    /// <summary>Decisions in the decision log not yet sent (no subscriber, back-pressure or waiting for the journal).</summary>
    public OrderedCounter DecisionsPending;
    /// <summary>Output sequence of the last decision logged (the decisions' own numbering; consumers drop duplicates by it).</summary>
    public OrderedCounter LastDecisionSequence;
    /// <summary>Times a decision was held in its outbound slot because the decision log was full.</summary>
    public OrderedCounter DecisionLogFull;
    /// <summary>Times a decision was held because its input was not journaled yet.</summary>
    public OrderedCounter JournalWaits;
    /// <summary>Inputs replayed from the journal at start-up.</summary>
    public OrderedCounter Replayed;
    /// <summary>
    /// <see cref="GC.GetAllocatedBytesForCurrentThread"/> of the network thread after its last duty
    /// cycle, when the gate was started with allocation tracking (−1 otherwise).
    /// </summary>
    public OrderedCounter NetworkThreadAllocatedBytes = Unset();
    /// <summary>1 when the network thread could not be pinned to its configured CPU.</summary>
    public OrderedCounter PinFailed;
    /// <summary>Inputs, decisions, rejects and latency by kind (telemetry; network thread writes).</summary>
    public readonly Telemetry.GateTally Tally = new();

    private static OrderedCounter Unset()
    {
        var counter = default(OrderedCounter);
        counter.Set(-1);
        return counter;
    }
}
