namespace CrossMargin.Gate.Host;

/// <summary>
/// Counters of the gate's duty-cycle thread. Written by that thread only (plain increments);
/// read by operators from any thread (a torn read is impossible for aligned longs on x64).
/// </summary>
public sealed class GateCounters
{
    /// <summary>Fragments received on the market-data and order-flow streams.</summary>
    public long FragmentsReceived;
    /// <summary>Inputs published into the inbound ring (malformed ones included).</summary>
    public long InputsPublished;
    /// <summary>Fragments that failed to decode (published as malformed inputs: ordered, journaled, answered with an input_error decision).</summary>
    public long DecodeRejects;
    /// <summary>Fragments lost because the inbound ring had no free slot (polling is limited to the free slots, so this stays 0).</summary>
    public long InboundRingFull;
    /// <summary>Sender sequence numbers skipped on an inbound stream (gaps detected).</summary>
    public long SequenceGaps;
    /// <summary>Decisions offered successfully.</summary>
    public long DecisionsSent;
    /// <summary>Claims/offers refused by back-pressure (held in the slot and retried, never dropped).</summary>
    public long DecisionBackPressure;
    /// <summary>Claims/offers refused because no subscriber is connected or the publication is closed (held and retried).</summary>
    public long DecisionNotConnected;
    /// <summary>Duty cycles that skipped inbound polling because the inbound ring was nearly full.</summary>
    public long InboundThrottled;
    /// <summary>Times a decision was held because its input was not journaled yet.</summary>
    public long JournalWaits;
    /// <summary>Inputs replayed from the journal at start-up.</summary>
    public long Replayed;
    /// <summary>
    /// <see cref="GC.GetAllocatedBytesForCurrentThread"/> of the network thread after its last duty
    /// cycle, when the gate was started with allocation tracking (−1 otherwise).
    /// </summary>
    public long NetworkThreadAllocatedBytes = -1;
    /// <summary>1 when the network thread could not be pinned to its configured CPU.</summary>
    public long PinFailed;
}
