using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>FundQuery (template 14): Insurance fund snapshot request.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>FundQuery</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// </list>
/// </remarks>
internal static class FundQueryCodec
{
    public const ushort TemplateId = 14;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int BlockLength = SequenceOffset + SequenceLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        Wire.PutInt64(block, SequenceOffset, sequence);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.FundQuery;
        sequence = Wire.GetInt64(block, SequenceOffset);
        return DecodeResult.Ok;
    }
}
