using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Deposit (template 4): Collateral credit; creates the account.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Deposit</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>amount</c> (AssetUnits): Amount, asset units.</item>
/// <item><c>asset</c> (AssetIndex): Asset index.</item>
/// </list>
/// </remarks>
internal static class DepositCodec
{
    public const ushort TemplateId = 4;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int AccountOffset = SequenceOffset + SequenceLength;
    public const int AccountLength = sizeof(long);
    public const int AmountOffset = AccountOffset + AccountLength;
    public const int AmountLength = sizeof(long);
    public const int AssetOffset = AmountOffset + AmountLength;
    public const int AssetLength = sizeof(ushort);
    public const int BlockLength = AssetOffset + AssetLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        if (!(Wire.IsAssetIndex(v.Asset))) return false;
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, AmountOffset, v.Amount);
        Wire.PutUInt16(block, AssetOffset, (ushort)v.Asset);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes as an event/input of <paramref name="kind"/> (the layouts it serves share it).</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, InputKind kind, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = kind;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Amount = Wire.GetInt64(block, AmountOffset);
        v.Asset = Wire.GetUInt16(block, AssetOffset);
        return DecodeResult.Ok;
    }
}
