using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>LiquidationOrder (template 108): Reduce-only liquidation order at the bankruptcy price.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>LiquidationOrder</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>qty</c> (Lots): Quantity, lots.</item>
/// <item><c>price</c> (Ticks): Price, ticks.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>side</c> (Side): Side.</item>
/// </list>
/// </remarks>
internal static class LiquidationOrderCodec
{
    public const ushort TemplateId = 108;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int QtyOffset = AccountOffset + AccountLength;
    public const int QtyLength = sizeof(long);
    public const int PriceOffset = QtyOffset + QtyLength;
    public const int PriceLength = sizeof(long);
    public const int InstrumentOffset = PriceOffset + PriceLength;
    public const int InstrumentLength = sizeof(int);
    public const int SideOffset = InstrumentOffset + InstrumentLength;
    public const int SideLength = sizeof(sbyte);
    public const int BlockLength = SideOffset + SideLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        if (!(Wire.IsSide(v.Side))) return false;
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, QtyOffset, v.Qty);
        Wire.PutInt64(block, PriceOffset, v.Price);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutSide(block, SideOffset, v.Side);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes as an event/input of <paramref name="kind"/> (the layouts it serves share it).</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, EventKind kind, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = kind;
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Qty = Wire.GetInt64(block, QtyOffset);
        v.Price = Wire.GetInt64(block, PriceOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetSide(block, SideOffset, out v.Side)) return DecodeResult.BadEnum;
        return DecodeResult.Ok;
    }
}
