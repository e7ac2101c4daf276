using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Core.Engine;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Pipeline;

/// <summary>What an <see cref="OutboundEvent"/> carries.</summary>
public enum OutboundKind : byte
{
    /// <summary>An output event of the state machine (<see cref="OutboundEvent.Event"/>).</summary>
    Event = 0,

    /// <summary>An input the engine could not apply (<see cref="OutboundEvent.Status"/>) or could not decode
    /// (<see cref="OutboundEvent.DecodeResult"/>): nothing changed, nothing else emitted for it.</summary>
    InputError = 1,

    /// <summary>A definition the engine refused (<see cref="OutboundEvent.ColdIndex"/> names the reason).</summary>
    DefinitionError = 2,
}

/// <summary>The encoded decision of a slot: room for the longest fixed-size decision message.</summary>
[InlineArray(Length)]
public struct DecisionBytes
{
    /// <summary>Capacity: the longest of an output event message and an input-error message.</summary>
    public const int Length = OutputCodec.MaxLength > InputErrorCodec.Length ? OutputCodec.MaxLength : InputErrorCodec.Length;

    private byte _element0;
}

/// <summary>
/// One slot of the outbound ring: an output of the risk processor, already encoded as the decision
/// message the gate sends, with the sequence and publish time of the input that produced it.
/// Unmanaged: no references, so publishing is a plain memory write.
/// </summary>
/// <remarks>
/// Written in place by the risk processor thread (the outbound ring's single producer), read in
/// place by the consumer. The decision bytes sit in <see cref="Encoded"/>, except for an account or
/// fund answer, whose variable-length snapshot message the processor wrote into the
/// <see cref="AnswerRing"/> at <see cref="AnswerOffset"/>: the consumer sends it from there, and the
/// processor reuses those bytes only once the consumer has passed this slot.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct OutboundEvent
{
    /// <summary>The event (<see cref="OutboundKind.Event"/>).</summary>
    public RiskEvent Event;

    /// <summary>Inbound ring sequence of the input that produced this output.</summary>
    public long InputSequence;

    /// <summary>The input's <see cref="InboundEvent.Tag"/>.</summary>
    public long Tag;

    /// <summary>The input's <see cref="InboundEvent.PublishedTicks"/> (input-to-output latency).</summary>
    public long PublishedTicks;

    /// <summary>
    /// For <see cref="OutboundKind.DefinitionError"/>: index of the reason in
    /// <see cref="SideTables.DefinitionErrors"/>; otherwise the input's unresolved instrument id
    /// in <see cref="SideTables.UnknownInstrumentIds"/>. −1 for none.
    /// </summary>
    public int ColdIndex;

    /// <summary>Offset of the snapshot message in the <see cref="AnswerRing"/>; −1 when the decision is in <see cref="Encoded"/>.</summary>
    public int AnswerOffset;

    /// <summary>Length of the decision message (in <see cref="Encoded"/> or the answer ring); 0 when there is nothing to send.</summary>
    public int EncodedLength;

    /// <summary>What this slot carries.</summary>
    public OutboundKind Kind;

    /// <summary>Set on the last output of an input (exactly one per input that produced outputs).</summary>
    public bool LastOfInput;

    /// <summary>Status of an <see cref="OutboundKind.InputError"/>; <see cref="ProcessStatus.Applied"/> otherwise.</summary>
    public ProcessStatus Status;

    /// <summary>Why the input did not decode (<see cref="OutboundKind.InputError"/> of a malformed input); <see cref="DecodeResult.Ok"/> otherwise.</summary>
    public DecodeResult DecodeResult;

    /// <summary>The encoded decision unless it is an answer in the answer ring.</summary>
    public DecisionBytes Encoded;
}
