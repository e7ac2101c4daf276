using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Outputs;

/// <summary>Health (template 106): Health transition of a part.</summary>
/// <remarks>
/// Fixed block, little-endian, mirrored by message <c>Health</c> of <c>Schema/crossmargin-schema.xml</c>:
/// <list type="bullet">
/// <item><c>inputSequence</c> (SequenceNumber): Sequence number of the input this answers.</item>
/// <item><c>account</c> (AccountId): Account id.</item>
/// <item><c>equity</c> (Money): Equity E, micro-units.</item>
/// <item><c>im</c> (Money): IMreq incl. open loss, micro-units.</item>
/// <item><c>mm</c> (Money): MMreq, micro-units.</item>
/// <item><c>instrument</c> (InstrumentIndex): Instrument index (-1: unknown / none).</item>
/// <item><c>isolated</c> (BooleanType): True when about an isolated part.</item>
/// <item><c>from</c> (HealthState): Health before.</item>
/// <item><c>to</c> (HealthState): Health after.</item>
/// </list>
/// </remarks>
internal static class HealthCodec
{
    public const ushort TemplateId = 106;
    public const int InputSequenceOffset = 0;
    public const int InputSequenceLength = sizeof(ulong);
    public const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    public const int AccountLength = sizeof(long);
    public const int EquityOffset = AccountOffset + AccountLength;
    public const int EquityLength = sizeof(long);
    public const int ImOffset = EquityOffset + EquityLength;
    public const int ImLength = sizeof(long);
    public const int MmOffset = ImOffset + ImLength;
    public const int MmLength = sizeof(long);
    public const int InstrumentOffset = MmOffset + MmLength;
    public const int InstrumentLength = sizeof(int);
    public const int IsolatedOffset = InstrumentOffset + InstrumentLength;
    public const int IsolatedLength = sizeof(byte);
    public const int FromOffset = IsolatedOffset + IsolatedLength;
    public const int FromLength = sizeof(byte);
    public const int ToOffset = FromOffset + FromLength;
    public const int ToLength = sizeof(byte);
    public const int BlockLength = ToOffset + ToLength;

    /// <summary>Writes the block; false (nothing written) if a field cannot be represented.</summary>
    public static bool Write(in RiskEvent v, long inputSequence, Span<byte> block)
    {
        if (!(Wire.InEnum(v.From, Wire.LastHealthState) && Wire.InEnum(v.To, Wire.LastHealthState))) return false;
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, v.Account);
        Wire.PutInt64(block, EquityOffset, v.Equity);
        Wire.PutInt64(block, ImOffset, v.Im);
        Wire.PutInt64(block, MmOffset, v.Mm);
        Wire.PutInt32(block, InstrumentOffset, v.Instrument);
        Wire.PutBool(block, IsolatedOffset, v.Isolated);
        Wire.PutUInt8(block, FromOffset, (byte)v.From);
        Wire.PutUInt8(block, ToOffset, (byte)v.To);
        return true;
    }

    /// <summary>Reads a block of at least <see cref="BlockLength"/> bytes.</summary>
    public static DecodeResult Read(ReadOnlySpan<byte> block, out RiskEvent v, out long inputSequence)
    {
        v = default;
        v.Kind = EventKind.Health;
        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        v.Account = Wire.GetInt64(block, AccountOffset);
        v.Equity = Wire.GetInt64(block, EquityOffset);
        v.Im = Wire.GetInt64(block, ImOffset);
        v.Mm = Wire.GetInt64(block, MmOffset);
        v.Instrument = Wire.GetInt32(block, InstrumentOffset);
        if (!Wire.TryGetBool(block, IsolatedOffset, out v.Isolated)) return DecodeResult.BadBool;
        if (!Wire.TryGetEnum(block, FromOffset, Wire.LastHealthState, out v.From)) return DecodeResult.BadEnum;
        if (!Wire.TryGetEnum(block, ToOffset, Wire.LastHealthState, out v.To)) return DecodeResult.BadEnum;
        return DecodeResult.Ok;
    }
}
