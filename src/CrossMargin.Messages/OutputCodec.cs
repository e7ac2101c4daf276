using CrossMargin.Core.Engine;
using CrossMargin.Messages.Outputs;

namespace CrossMargin.Messages;

/// <summary>
/// Encodes and decodes the decision stream's <see cref="RiskEvent"/>s, one fixed-layout SBE message per
/// kind (template id = 100 + <see cref="EventKind"/> value), each carrying the sequence of the input it answers.
/// Account and fund snapshots travel as <see cref="AccountSnapshotCodec"/> messages.
/// </summary>
/// <remarks>
/// Stateless and thread-safe; never allocates, never throws on any input bytes; decoding validates
/// as <see cref="InputCodec"/> does. Fields a kind does not carry decode as zero, and
/// <see cref="RiskEvent.Instrument"/> as −1 for kinds without an instrument (the engine's defaults).
/// </remarks>
public static class OutputCodec
{
    /// <summary>Template id of an event kind's message is this base plus the kind's value.</summary>
    public const ushort TemplateIdBase = 100;

    /// <summary>Length of the longest fixed-size output message (header included).</summary>
    public const int MaxLength = MessageHeader.Length + HealthCodec.BlockLength;

    /// <summary>
    /// Writes <paramref name="e"/> answering input <paramref name="inputSequence"/>; returns the bytes written,
    /// or an <see cref="EncodeFailure"/> value (negative; <see cref="EncodeFailure.SnapshotRequired"/> for
    /// <see cref="EventKind.Account"/>/<see cref="EventKind.Fund"/>).
    /// </summary>
    public static int Encode(in RiskEvent e, long inputSequence, Span<byte> dest)
    {
        if (e.Kind is EventKind.Account or EventKind.Fund) return EncodeFailure.SnapshotRequired;
        int blockLength = BlockLengthOf(e.Kind);
        if (blockLength == 0) return EncodeFailure.UnknownKind;
        int length = MessageHeader.Length + blockLength;
        if (dest.Length < length) return EncodeFailure.InsufficientCapacity;
        var block = dest.Slice(MessageHeader.Length, blockLength);
        bool written = e.Kind switch
        {
            EventKind.Accepted => AcceptedCodec.Write(e, inputSequence, block),
            EventKind.Rejected => RejectedCodec.Write(e, inputSequence, block),
            EventKind.ModeRejected => ModeRejectedCodec.Write(e, inputSequence, block),
            EventKind.QueryRejected => QueryRejectedCodec.Write(e, inputSequence, block),
            EventKind.Withdrawal => WithdrawalCodec.Write(e, inputSequence, block),
            EventKind.Health => HealthCodec.Write(e, inputSequence, block),
            EventKind.CancelAll => CancelAllCodec.Write(e, inputSequence, block),
            EventKind.LiquidationOrder => LiquidationOrderCodec.Write(e, inputSequence, block),
            EventKind.Takeover => TakeoverCodec.Write(e, inputSequence, block),
            _ => LiquidationOrderCodec.Write(e, inputSequence, block), // Adl: the same layout
        };
        if (!written) return EncodeFailure.InvalidValue;
        MessageHeader.Write(dest, (ushort)blockLength, (ushort)(TemplateIdBase + (int)e.Kind));
        return length;
    }

    /// <summary>
    /// Decodes one output message. A snapshot message decodes to an <see cref="EventKind.Account"/> (or,
    /// for account −1, <see cref="EventKind.Fund"/>) event with its account id only; read its contents with
    /// <see cref="AccountSnapshotCodec.TryDecode"/>. On failure <paramref name="e"/> is default.
    /// </summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, out RiskEvent e, out long inputSequence)
    {
        e = default;
        inputSequence = 0;
        var r = MessageHeader.TryReadBlock(src, out ushort templateId, out int blockLength);
        if (r != DecodeResult.Ok) return r;
        if (templateId == AccountSnapshotCodec.TemplateId) return DecodeSnapshotEvent(src, blockLength, out e, out inputSequence);
        int k = templateId - TemplateIdBase;
        var kind = (EventKind)k;
        int required = k is > 0 and <= byte.MaxValue && kind is not (EventKind.Account or EventKind.Fund) ? BlockLengthOf(kind) : 0;
        if (required == 0) return DecodeResult.UnknownTemplate;
        r = MessageHeader.TrySliceBlock(src, blockLength, required, out var block);
        if (r != DecodeResult.Ok) return r;
        r = kind switch
        {
            EventKind.Accepted => AcceptedCodec.Read(block, out e, out inputSequence),
            EventKind.Rejected => RejectedCodec.Read(block, out e, out inputSequence),
            EventKind.ModeRejected => ModeRejectedCodec.Read(block, out e, out inputSequence),
            EventKind.QueryRejected => QueryRejectedCodec.Read(block, out e, out inputSequence),
            EventKind.Withdrawal => WithdrawalCodec.Read(block, out e, out inputSequence),
            EventKind.Health => HealthCodec.Read(block, out e, out inputSequence),
            EventKind.CancelAll => CancelAllCodec.Read(block, out e, out inputSequence),
            EventKind.LiquidationOrder => LiquidationOrderCodec.Read(block, EventKind.LiquidationOrder, out e, out inputSequence),
            EventKind.Takeover => TakeoverCodec.Read(block, out e, out inputSequence),
            _ => LiquidationOrderCodec.Read(block, EventKind.Adl, out e, out inputSequence),
        };
        if (r != DecodeResult.Ok) e = default;
        return r;
    }

    private static DecodeResult DecodeSnapshotEvent(ReadOnlySpan<byte> src, int blockLength, out RiskEvent e, out long inputSequence)
    {
        e = default;
        inputSequence = 0;
        var r = MessageHeader.TrySliceBlock(src, blockLength, AccountSnapshotCodec.BlockLength, out var block);
        if (r != DecodeResult.Ok) return r;
        if (!Wire.TryGetEnum(block, AccountSnapshotCodec.HealthOffset, Wire.LastHealthState, out HealthState _)) return DecodeResult.BadEnum;
        inputSequence = Wire.GetInt64(block, AccountSnapshotCodec.InputSequenceOffset);
        e.Account = Wire.GetInt64(block, AccountSnapshotCodec.AccountOffset);
        e.Kind = e.Account == AccountSnapshotCodec.FundAccount ? EventKind.Fund : EventKind.Account;
        e.Instrument = -1;
        return DecodeResult.Ok;
    }

    /// <summary>Fixed block length of a kind's message; 0 for a kind without one.</summary>
    internal static int BlockLengthOf(EventKind kind) => kind switch
    {
        EventKind.Accepted => AcceptedCodec.BlockLength,
        EventKind.Rejected => RejectedCodec.BlockLength,
        EventKind.ModeRejected => ModeRejectedCodec.BlockLength,
        EventKind.QueryRejected => QueryRejectedCodec.BlockLength,
        EventKind.Withdrawal => WithdrawalCodec.BlockLength,
        EventKind.Health => HealthCodec.BlockLength,
        EventKind.CancelAll => CancelAllCodec.BlockLength,
        EventKind.LiquidationOrder => LiquidationOrderCodec.BlockLength,
        EventKind.Takeover => TakeoverCodec.BlockLength,
        EventKind.Adl => AdlCodec.BlockLength,
        _ => 0,
    };
}
