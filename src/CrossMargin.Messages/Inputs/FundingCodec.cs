using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Funding (template 8): Funding payment at mark.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Funding</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>ratePpm</c> (Ppm): Funding rate, ppm (positive: longs pay).</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// </list>
/// </remarks>
internal static class FundingCodec
{
    public const ushort TemplateId = 8;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int RatePpmOffset = SequenceOffset + SequenceLength;
    public const int RatePpmLength = sizeof(long);
    public const int InstrumentOffset = RatePpmOffset + RatePpmLength;
    public const int InstrumentLength = sizeof(int);
    public const int BlockLength = InstrumentOffset + InstrumentLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, RatePpmOffset, v.Amount);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Funding;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Amount = Wire.GetInt64(block, RatePpmOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        return DecodeResult.Ok;
    }
}
