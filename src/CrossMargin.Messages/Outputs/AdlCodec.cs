using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>Adl (template 110): Auto-deleveraging trade applied to an account.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Adl</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>qty</c> (Lots): Quantity, lots.</item>
/// <item><c>price</c> (Ticks): Price, ticks.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>side</c> (Side): Side.</item>
/// </list>
/// Same layout as <see cref="LiquidationOrderCodec"/>, which reads and writes it; only the template id differs.
/// </remarks>
internal static class AdlCodec
{
    public const ushort TemplateId = 110;
    public const int InputSequenceOffset = LiquidationOrderCodec.InputSequenceOffset;
    public const int InputSequenceLength = LiquidationOrderCodec.InputSequenceLength;
    public const int AccountOffset = LiquidationOrderCodec.AccountOffset;
    public const int AccountLength = LiquidationOrderCodec.AccountLength;
    public const int QtyOffset = LiquidationOrderCodec.QtyOffset;
    public const int QtyLength = LiquidationOrderCodec.QtyLength;
    public const int PriceOffset = LiquidationOrderCodec.PriceOffset;
    public const int PriceLength = LiquidationOrderCodec.PriceLength;
    public const int InstrumentOffset = LiquidationOrderCodec.InstrumentOffset;
    public const int InstrumentLength = LiquidationOrderCodec.InstrumentLength;
    public const int SideOffset = LiquidationOrderCodec.SideOffset;
    public const int SideLength = LiquidationOrderCodec.SideLength;
    public const int BlockLength = LiquidationOrderCodec.BlockLength;
}
