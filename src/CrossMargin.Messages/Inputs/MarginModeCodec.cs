using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>MarginMode (template 11): Margin mode of (account, instrument).</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>MarginMode</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>mode</c> (MarginMode): Cross or isolated.</item>
/// </list>
/// </remarks>
internal static class MarginModeCodec
{
    public const ushort TemplateId = 11;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int AccountOffset = SequenceOffset + SequenceLength;
    public const int AccountLength = sizeof(long);
    public const int InstrumentOffset = AccountOffset + AccountLength;
    public const int InstrumentLength = sizeof(int);
    public const int ModeOffset = InstrumentOffset + InstrumentLength;
    public const int ModeLength = sizeof(byte);
    public const int BlockLength = ModeOffset + ModeLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutUInt8(block, ModeOffset, v.Flag ? Wire.MarginModeIsolated : Wire.MarginModeCross);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.MarginMode;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        byte mode = block[ModeOffset];
        if (mode > Wire.MarginModeIsolated) return DecodeResult.BadEnum;
        v.Flag = mode == Wire.MarginModeIsolated;
        return DecodeResult.Ok;
    }
}
