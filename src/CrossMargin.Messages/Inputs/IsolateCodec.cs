using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Isolate (template 12): Move margin into (positive) or out of (negative) an isolated part.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Isolate</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>amount</c> (Money): Amount, micro-units.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// </list>
/// </remarks>
internal static class IsolateCodec
{
    public const ushort TemplateId = 12;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int AccountOffset = SequenceOffset + SequenceLength;
    public const int AccountLength = sizeof(long);
    public const int AmountOffset = AccountOffset + AccountLength;
    public const int AmountLength = sizeof(long);
    public const int InstrumentOffset = AmountOffset + AmountLength;
    public const int InstrumentLength = sizeof(int);
    public const int BlockLength = InstrumentOffset + InstrumentLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, AmountOffset, v.Amount);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Isolate;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Amount = Wire.GetInt64(block, AmountOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        return DecodeResult.Ok;
    }
}
