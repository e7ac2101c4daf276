using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Config (template 10): Liquidation parameters and insurance fund balance.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Config</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>liquidationFeeRatePpm</c> (Ppm): Liquidation fee rate, ppm.</item>
/// <item><c>liquidationBufferPpm</c> (Ppm): Liquidation buffer, ppm.</item>
/// <item><c>insuranceFund</c> (Money): Insurance fund balance, micro-units.</item>
/// </list>
/// </remarks>
internal static class ConfigCodec
{
    public const ushort TemplateId = 10;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int LiquidationFeeRatePpmOffset = SequenceOffset + SequenceLength;
    public const int LiquidationFeeRatePpmLength = sizeof(long);
    public const int LiquidationBufferPpmOffset = LiquidationFeeRatePpmOffset + LiquidationFeeRatePpmLength;
    public const int LiquidationBufferPpmLength = sizeof(long);
    public const int InsuranceFundOffset = LiquidationBufferPpmOffset + LiquidationBufferPpmLength;
    public const int InsuranceFundLength = sizeof(long);
    public const int BlockLength = InsuranceFundOffset + InsuranceFundLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, LiquidationFeeRatePpmOffset, v.LiquidationFeeRatePpm);
        Wire.PutInt64(block, LiquidationBufferPpmOffset, v.LiquidationBufferPpm);
        Wire.PutInt64(block, InsuranceFundOffset, v.Amount);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Config;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.LiquidationFeeRatePpm = Wire.GetInt64(block, LiquidationFeeRatePpmOffset);
        v.LiquidationBufferPpm = Wire.GetInt64(block, LiquidationBufferPpmOffset);
        v.Amount = Wire.GetInt64(block, InsuranceFundOffset);
        return DecodeResult.Ok;
    }
}
