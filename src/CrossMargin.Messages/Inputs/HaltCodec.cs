using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Inputs;

/// <summary>Halt (template 9): Kill switch.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Halt</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>sequence</c> (SequenceNumber): The sender's message sequence number (gap detection).</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>scope</c> (HaltScope): Scope.</item>
/// <item><c>on</c> (BooleanType): Halt on (true) or off.</item>
/// </list>
/// </remarks>
internal static class HaltCodec
{
    public const ushort TemplateId = 9;
    public const int SequenceOffset = 0;
    public const int SequenceLength = sizeof(ulong);
    public const int AccountOffset = SequenceOffset + SequenceLength;
    public const int AccountLength = sizeof(long);
    public const int InstrumentOffset = AccountOffset + AccountLength;
    public const int InstrumentLength = sizeof(int);
    public const int ScopeOffset = InstrumentOffset + InstrumentLength;
    public const int ScopeLength = sizeof(byte);
    public const int OnOffset = ScopeOffset + ScopeLength;
    public const int OnLength = sizeof(byte);
    public const int BlockLength = OnOffset + OnLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskInput v, long sequence, Span<byte> block)
    {
        if (!(Wire.InEnum(v.Scope, Wire.LastHaltScope))) return false;
        Wire.PutInt64(block, SequenceOffset, sequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutUInt8(block, ScopeOffset, (byte)v.Scope);
        Wire.PutBool(block, OnOffset, v.Flag);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskInput v, out long sequence)
    {
        v = default;
        v.Kind = InputKind.Halt;
        sequence = Wire.GetInt64(block, SequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetEnum(block, ScopeOffset, Wire.LastHaltScope, out v.Scope)) return DecodeResult.BadEnum;
        if (!Wire.TryGetBool(block, OnOffset, out v.Flag)) return DecodeResult.BadBool;
        return DecodeResult.Ok;
    }
}
