using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Fill (template 3): Execution fact from the exchange (ordinary or liquidation).</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Fill</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>orderId</c> (OrderId): Order id.</item>
/// <item><c>qty</c> (Lots): Quantity, lots.</item>
/// <item><c>price</c> (Ticks): Price, ticks.</item>
/// <item><c>fee</c> (Money): Fee of an ordinary fill, micro-units (negative: rebate).</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>side</c> (Side): Side.</item>
/// <item><c>liquidation</c> (BooleanType): A liquidation fill.</item>
/// <item><c>hasOrderId</c> (BooleanType): orderId is set.</item>
/// <item><c>hasFee</c> (BooleanType): A fee was given (an error on a liquidation fill).</item>
/// </list>
/// </remarks>
internal static class FillCodec
{
    public const ushort TemplateId = 3;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int AccountOffset = SequenceOffset + SequenceLength;
    public const int AccountLength = sizeof(long);
    public const int OrderIdOffset = AccountOffset + AccountLength;
    public const int OrderIdLength = sizeof(long);
    public const int QtyOffset = OrderIdOffset + OrderIdLength;
    public const int QtyLength = sizeof(long);
    public const int PriceOffset = QtyOffset + QtyLength;
    public const int PriceLength = sizeof(long);
    public const int FeeOffset = PriceOffset + PriceLength;
    public const int FeeLength = sizeof(long);
    public const int InstrumentOffset = FeeOffset + FeeLength;
    public const int InstrumentLength = sizeof(int);
    public const int SideOffset = InstrumentOffset + InstrumentLength;
    public const int SideLength = sizeof(sbyte);
    public const int LiquidationOffset = SideOffset + SideLength;
    public const int LiquidationLength = sizeof(byte);
    public const int HasOrderIdOffset = LiquidationOffset + LiquidationLength;
    public const int HasOrderIdLength = sizeof(byte);
    public const int HasFeeOffset = HasOrderIdOffset + HasOrderIdLength;
    public const int HasFeeLength = sizeof(byte);
    public const int BlockLength = HasFeeOffset + HasFeeLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        if (!(Wire.IsSide(v.Side))) return false;
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, OrderIdOffset, v.OrderId);
        Wire.PutInt64(block, QtyOffset, v.Qty);
        Wire.PutInt64(block, PriceOffset, v.Price);
        Wire.PutInt64(block, FeeOffset, v.Fee);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutSide(block, SideOffset, v.Side);
        Wire.PutBool(block, LiquidationOffset, v.Liquidation);
        Wire.PutBool(block, HasOrderIdOffset, v.HasOrderId);
        Wire.PutBool(block, HasFeeOffset, v.HasFee);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Fill;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.OrderId = Wire.GetInt64(block, OrderIdOffset);
        v.Qty = Wire.GetInt64(block, QtyOffset);
        v.Price = Wire.GetInt64(block, PriceOffset);
        v.Fee = Wire.GetInt64(block, FeeOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetSide(block, SideOffset, out v.Side)) return DecodeResult.BadEnum;
        if (!Wire.TryGetBool(block, LiquidationOffset, out v.Liquidation)) return DecodeResult.BadBool;
        if (!Wire.TryGetBool(block, HasOrderIdOffset, out v.HasOrderId)) return DecodeResult.BadBool;
        if (!Wire.TryGetBool(block, HasFeeOffset, out v.HasFee)) return DecodeResult.BadBool;
        return DecodeResult.Ok;
    }
}
