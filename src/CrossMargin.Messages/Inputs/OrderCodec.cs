using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Order (template 1): New order risk check.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Order</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>orderId</c> (OrderId): Order id.</item>
/// <item><c>qty</c> (Lots): Quantity, lots.</item>
/// <item><c>price</c> (Ticks): Price, ticks.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>side</c> (Side): Side.</item>
/// <item><c>reduceOnly</c> (BooleanType): Reduce-only flag.</item>
/// </list>
/// </remarks>
internal static class OrderCodec
{
    public const ushort TemplateId = 1;
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
    public const int InstrumentOffset = PriceOffset + PriceLength;
    public const int InstrumentLength = sizeof(int);
    public const int SideOffset = InstrumentOffset + InstrumentLength;
    public const int SideLength = sizeof(sbyte);
    public const int ReduceOnlyOffset = SideOffset + SideLength;
    public const int ReduceOnlyLength = sizeof(byte);
    public const int BlockLength = ReduceOnlyOffset + ReduceOnlyLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        if (!(Wire.IsSide(v.Side))) return false;
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, OrderIdOffset, v.OrderId);
        Wire.PutInt64(block, QtyOffset, v.Qty);
        Wire.PutInt64(block, PriceOffset, v.Price);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutSide(block, SideOffset, v.Side);
        Wire.PutBool(block, ReduceOnlyOffset, v.ReduceOnly);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Order;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.OrderId = Wire.GetInt64(block, OrderIdOffset);
        v.Qty = Wire.GetInt64(block, QtyOffset);
        v.Price = Wire.GetInt64(block, PriceOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetSide(block, SideOffset, out v.Side)) return DecodeResult.BadEnum;
        if (!Wire.TryGetBool(block, ReduceOnlyOffset, out v.ReduceOnly)) return DecodeResult.BadBool;
        return DecodeResult.Ok;
    }
}
