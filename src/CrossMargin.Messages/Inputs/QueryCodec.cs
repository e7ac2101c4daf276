using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Query (template 13): Account snapshot request.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Query</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// </list>
/// </remarks>
internal static class QueryCodec
{
    public const ushort TemplateId = 13;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int AccountOffset = SequenceOffset + SequenceLength;
    public const int AccountLength = sizeof(long);
    public const int BlockLength = AccountOffset + AccountLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Query;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        return DecodeResult.Ok;
    }
}
