using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>Withdrawal (template 105): Withdrawal answer.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Withdrawal</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>amount</c> (AssetUnits): Amount, asset units.</item>
/// <item><c>asset</c> (AssetIndex): Asset index.</item>
/// <item><c>accepted</c> (BooleanType): Withdrawal accepted.</item>
/// <item><c>reason</c> (RejectReason): Reject reason.</item>
/// </list>
/// </remarks>
internal static class WithdrawalCodec
{
    public const ushort TemplateId = 105;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int AmountOffset = AccountOffset + AccountLength;
    public const int AmountLength = sizeof(long);
    public const int AssetOffset = AmountOffset + AmountLength;
    public const int AssetLength = sizeof(ushort);
    public const int AcceptedOffset = AssetOffset + AssetLength;
    public const int AcceptedLength = sizeof(byte);
    public const int ReasonOffset = AcceptedOffset + AcceptedLength;
    public const int ReasonLength = sizeof(byte);
    public const int BlockLength = ReasonOffset + ReasonLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        if (!(Wire.IsAssetIndex(v.Asset) && Wire.InEnum(v.Reason, Wire.LastRejectReason))) return false;
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, AmountOffset, v.Amount);
        Wire.PutUInt16(block, AssetOffset, (ushort)v.Asset);
        Wire.PutBool(block, AcceptedOffset, v.Accepted);
        Wire.PutUInt8(block, ReasonOffset, (byte)v.Reason);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = EventKind.Withdrawal;
        v.Instrument = -1; // the kind carries no instrument (EventBuffer default)
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Amount = Wire.GetInt64(block, AmountOffset);
        v.Asset = Wire.GetUInt16(block, AssetOffset);
        if (!Wire.TryGetBool(block, AcceptedOffset, out v.Accepted)) return DecodeResult.BadBool;
        if (!Wire.TryGetEnum(block, ReasonOffset, Wire.LastRejectReason, out v.Reason)) return DecodeResult.BadEnum;
        return DecodeResult.Ok;
    }
}
