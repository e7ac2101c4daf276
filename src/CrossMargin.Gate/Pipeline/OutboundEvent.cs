using CrossMargin.Core.Engine;

namespace CrossMargin.Gate.Pipeline;

/// <summary>What an <see cref="OutboundEvent"/> carries.</summary>
public enum OutboundKind : byte
{
    /// <summary>An output event of the state machine (<see cref="OutboundEvent.Event"/>).</summary>
    Event = 0,

    /// <summary>An input the engine could not apply (<see cref="OutboundEvent.Status"/>): nothing changed, nothing else emitted for it.</summary>
    InputError = 1,

    /// <summary>A definition the engine refused (<see cref="OutboundEvent.Error"/>).</summary>
    DefinitionError = 2,
}

/// <summary>
/// One slot of the outbound ring: an output event of the risk processor, with the sequence and
/// publish time of the input that produced it.
/// </summary>
/// <remarks>
/// Written in place by the risk processor thread (the outbound ring's single producer), read in
/// place by the consumer. <see cref="Snapshot"/> is a per-slot, pre-allocated buffer: for
/// <see cref="EventKind.Account"/> and <see cref="EventKind.Fund"/> events the processor copies the
/// state at that moment into it, so the consumer never reads the engine's live state.
/// </remarks>
public struct OutboundEvent
{
    /// <summary>What this slot carries.</summary>
    public OutboundKind Kind;

    /// <summary>Set on the last output of an input (exactly one per input that produced outputs).</summary>
    public bool LastOfInput;

    /// <summary>Status of an <see cref="OutboundKind.InputError"/>; <see cref="ProcessStatus.Applied"/> otherwise.</summary>
    public ProcessStatus Status;

    /// <summary>The event (<see cref="OutboundKind.Event"/>).</summary>
    public RiskEvent Event;

    /// <summary>Inbound ring sequence of the input that produced this output.</summary>
    public long InputSequence;

    /// <summary>The input's <see cref="InboundEvent.Tag"/>.</summary>
    public long Tag;

    /// <summary>The input's <see cref="InboundEvent.PublishedTicks"/> (input-to-output latency).</summary>
    public long PublishedTicks;

    /// <summary>The input's unresolved instrument id, for rendering mode rejects.</summary>
    public string? UnknownInstrumentId;

    /// <summary>Reason of a <see cref="OutboundKind.DefinitionError"/> (definitions are not hot; the string is the engine's).</summary>
    public string? Error;

    /// <summary>Pre-allocated snapshot of this slot; filled for account and fund answers only.</summary>
    public AccountSnapshot? Snapshot;
}
