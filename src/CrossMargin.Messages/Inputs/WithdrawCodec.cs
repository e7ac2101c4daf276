using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Withdraw (template 5): Collateral debit request.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Withdraw</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>amount</c> (AssetUnits): Amount, asset units.</item>
/// <item><c>asset</c> (AssetIndex): Asset index.</item>
/// </list>
/// Same layout as <see cref="DepositCodec"/>, which reads and writes it; only the template id differs.
/// </remarks>
internal static class WithdrawCodec
{
    public const ushort TemplateId = 5;
    public const int SequenceOffset = DepositCodec.SequenceOffset;
    public const int SequenceLength = DepositCodec.SequenceLength;
    public const int AccountOffset = DepositCodec.AccountOffset;
    public const int AccountLength = DepositCodec.AccountLength;
    public const int AmountOffset = DepositCodec.AmountOffset;
    public const int AmountLength = DepositCodec.AmountLength;
    public const int AssetOffset = DepositCodec.AssetOffset;
    public const int AssetLength = DepositCodec.AssetLength;
    public const int BlockLength = DepositCodec.BlockLength;
}
