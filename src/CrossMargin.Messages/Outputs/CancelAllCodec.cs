using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>CancelAll (template 107): Open orders of a part cancelled on entering liquidation or bankruptcy.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>CancelAll</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>orders</c> (Count): Number of orders cancelled.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>isolated</c> (BooleanType): True when about an isolated part.</item>
/// </list>
/// </remarks>
internal static class CancelAllCodec
{
    public const ushort TemplateId = 107;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int OrdersOffset = AccountOffset + AccountLength;
    public const int OrdersLength = sizeof(long);
    public const int InstrumentOffset = OrdersOffset + OrdersLength;
    public const int InstrumentLength = sizeof(int);
    public const int IsolatedOffset = InstrumentOffset + InstrumentLength;
    public const int IsolatedLength = sizeof(byte);
    public const int BlockLength = IsolatedOffset + IsolatedLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, OrdersOffset, v.Amount);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutBool(block, IsolatedOffset, v.Isolated);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = EventKind.CancelAll;
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Amount = Wire.GetInt64(block, OrdersOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetBool(block, IsolatedOffset, out v.Isolated)) return DecodeResult.BadBool;
        return DecodeResult.Ok;
    }
}
