using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>QueryRejected (template 104): Query of an unknown account.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>QueryRejected</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>reason</c> (RejectReason): Reject reason.</item>
/// </list>
/// </remarks>
internal static class QueryRejectedCodec
{
    public const ushort TemplateId = 104;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int ReasonOffset = AccountOffset + AccountLength;
    public const int ReasonLength = sizeof(byte);
    public const int BlockLength = ReasonOffset + ReasonLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        if (!(Wire.InEnum(v.Reason, Wire.LastRejectReason))) return false;
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutUInt8(block, ReasonOffset, (byte)v.Reason);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = EventKind.QueryRejected;
        v.Instrument = -1; // the kind carries no instrument (EventBuffer default)
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        if (!Wire.TryGetEnum(block, ReasonOffset, Wire.LastRejectReason, out v.Reason)) return DecodeResult.BadEnum;
        return DecodeResult.Ok;
    }
}
