using System.Runtime.InteropServices;
using CrossMargin.Core.Engine;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Pipeline;

/// <summary>What an <see cref="InboundEvent"/> carries.</summary>
public enum InboundKind : byte
{
    /// <summary>An input of the state machine (<see cref="InboundEvent.Input"/>).</summary>
    Input = 0,

    /// <summary>Bytes that did not decode (<see cref="InboundEvent.DecodeResult"/> says why): ordered, journaled and answered like any input, never applied.</summary>
    Malformed = 1,

    /// <summary>A start-up definition (<see cref="InboundEvent.ColdIndex"/> names it in <see cref="SideTables.Definitions"/>).</summary>
    Definition = 2,
}

/// <summary>
/// One slot of the inbound ring: any input of the risk state machine (tick, index, order, cancel,
/// fill, deposit, withdrawal, funding, halt, config, mode, query), a malformed input, or, rarely, a
/// definition. Unmanaged: no references, so publishing is a plain memory write.
/// </summary>
/// <remarks>
/// Written in place by the single producer between claim and publish (the gate decodes wire bytes
/// straight into <see cref="Input"/>), read in place by the risk processor and the journaler. Every
/// field is overwritten on each publish, so a reused slot never leaks a previous input's values.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct InboundEvent
{
    /// <summary>The input, in engine units (default unless <see cref="Kind"/> is <see cref="InboundKind.Input"/>).</summary>
    public RiskInput Input;

    /// <summary>Ring sequence of this input: its position in the total order of inputs.</summary>
    public long Sequence;

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the producer published it.</summary>
    public long PublishedTicks;

    /// <summary>Caller's correlation value (a scenario line number, a wire sequence), copied to every output.</summary>
    public long Tag;

    /// <summary>
    /// Index into a cold table: of <see cref="SideTables.Definitions"/> for a definition, of
    /// <see cref="SideTables.UnknownInstrumentIds"/> for an input naming an instrument the
    /// producer could not resolve; −1 for none.
    /// </summary>
    public int ColdIndex;

    /// <summary>Aeron session id of the publication the input arrived on (0 for one not from the wire); journaled with it.</summary>
    public int SessionId;

    /// <summary>Stream id the input arrived on (0 for one not from the wire); with <see cref="SessionId"/> it names the publisher.</summary>
    public int StreamId;

    /// <summary>What this slot carries.</summary>
    public InboundKind Kind;

    /// <summary>Why a <see cref="InboundKind.Malformed"/> input did not decode; <see cref="DecodeResult.Ok"/> otherwise.</summary>
    public DecodeResult DecodeResult;

    /// <summary>
    /// Already in the journal: an input fed again at start-up because its decisions never reached the
    /// decision log before a crash (the journaler skips it; the processor decides it as any input).
    /// </summary>
    public bool Redo;

    /// <summary>Bytes of <see cref="Received"/> in use: the message as it arrived (0 for an input not from the wire).</summary>
    public ushort ReceivedLength;

    /// <summary>
    /// The message exactly as received (after its authentication tag, if any, was checked and cut off):
    /// what the journal stores, so a replay applies the bytes the sender sent, not a re-encoding.
    /// </summary>
    public ReceivedBytes Received;

    /// <summary>The longest message a slot keeps as received; a longer one that decodes is refused (<see cref="DecodeResult.BadBlockLength"/>).</summary>
    public const int ReceivedCapacity = 128;
}

/// <summary>Inline storage of <see cref="InboundEvent.ReceivedCapacity"/> bytes: a slot stays unmanaged and copy-free to claim.</summary>
[System.Runtime.CompilerServices.InlineArray(InboundEvent.ReceivedCapacity)]
public struct ReceivedBytes
{
    private byte _first;
}
