using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>ModeRejected (template 103): margin_mode / isolate rejected.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>ModeRejected</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>reason</c> (RejectReason): Reject reason.</item>
/// </list>
/// </remarks>
internal static class ModeRejectedCodec
{
    public const ushort TemplateId = 103;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int InstrumentOffset = AccountOffset + AccountLength;
    public const int InstrumentLength = sizeof(int);
    public const int ReasonOffset = InstrumentOffset + InstrumentLength;
    public const int ReasonLength = sizeof(byte);
    public const int BlockLength = ReasonOffset + ReasonLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        if (!(Wire.InEnum(v.Reason, Wire.LastRejectReason))) return false;
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutUInt8(block, ReasonOffset, (byte)v.Reason);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = EventKind.ModeRejected;
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetEnum(block, ReasonOffset, Wire.LastRejectReason, out v.Reason)) return DecodeResult.BadEnum;
        return DecodeResult.Ok;
    }
}
