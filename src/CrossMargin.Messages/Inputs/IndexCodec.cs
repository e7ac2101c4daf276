using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Index (template 7): Collateral index price tick.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Index</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>price</c> (Money): Index price, micro-units per whole asset.</item>
/// <item><c>asset</c> (AssetIndex): Asset index.</item>
/// </list>
/// </remarks>
internal static class IndexCodec
{
    public const ushort TemplateId = 7;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int PriceOffset = SequenceOffset + SequenceLength;
    public const int PriceLength = sizeof(long);
    public const int AssetOffset = PriceOffset + PriceLength;
    public const int AssetLength = sizeof(ushort);
    public const int BlockLength = AssetOffset + AssetLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        if (!(Wire.IsAssetIndex(v.Asset))) return false;
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, PriceOffset, v.Price);
        Wire.PutUInt16(block, AssetOffset, (ushort)v.Asset);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Index;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Price = Wire.GetInt64(block, PriceOffset);
        v.Asset = Wire.GetUInt16(block, AssetOffset);
        return DecodeResult.Ok;
    }
}
