using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>Accepted (template 101): Order accepted.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Accepted</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>orderId</c> (OrderId): Order id.</item>
/// </list>
/// </remarks>
internal static class AcceptedCodec
{
    public const ushort TemplateId = 101;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int OrderIdOffset = AccountOffset + AccountLength;
    public const int OrderIdLength = sizeof(long);
    public const int BlockLength = OrderIdOffset + OrderIdLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, OrderIdOffset, v.OrderId);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = EventKind.Accepted;
        v.Instrument = -1; // the kind carries no instrument (EventBuffer default)
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.OrderId = Wire.GetInt64(block, OrderIdOffset);
        return DecodeResult.Ok;
    }
}
