namespace CrossMargin.Gate.Host;

/// <summary>
/// Counters of the gate's duty-cycle thread. Written by that thread only (plain increments);
/// read by operators from any thread (a torn read is impossible for aligned longs on x64).
/// </summary>
public sealed class GateCounters
{
    /// <summary>Fragments received on the market-data and order-flow streams.</summary>
    public long FragmentsReceived;
    /// <summary>Inputs decoded and published into the inbound ring.</summary>
    public long InputsPublished;
    /// <summary>Fragments that failed to decode (counted, answered with an input_error decision, dropped).</summary>
    public long DecodeRejects;
    /// <summary>Sender sequence numbers skipped on an inbound stream (gaps detected).</summary>
    public long SequenceGaps;
    /// <summary>Decisions offered successfully.</summary>
    public long DecisionsSent;
    /// <summary>Offers refused by back-pressure (retried, never dropped).</summary>
    public long DecisionBackPressure;
    /// <summary>Duty cycles that skipped inbound polling because the inbound ring was nearly full.</summary>
    public long InboundThrottled;
    /// <summary>Times a decision was held because its input was not journaled yet.</summary>
    public long JournalWaits;
    /// <summary>Inputs replayed from the journal at start-up.</summary>
    public long Replayed;
    /// <summary>1 when the network thread could not be pinned to its configured CPU.</summary>
    public long PinFailed;
    /// <summary>Inputs, decisions, rejects and latency by kind (telemetry; network thread writes).</summary>
    public readonly Telemetry.GateTally Tally = new();
}
