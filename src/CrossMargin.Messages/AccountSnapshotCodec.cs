using System.Buffers.Binary;
using CrossMargin.Core.Engine;

namespace CrossMargin.Messages;

/// <summary>
/// The answer to a query (template 111): an <see cref="AccountSnapshot"/> as a fixed block followed by two
/// SBE repeating groups, balances then positions, each behind a groupSizeEncoding header
/// (blockLength uint16, numInGroup uint16). Account −1 is the insurance fund.
/// </summary>
/// <remarks>
/// Stateless and thread-safe; never allocates. Decoding checks every group header against the bytes left,
/// the group's minimum entry length, the schema maximum and the destination's capacity before reading an entry;
/// entries are read at the announced stride, so longer (newer-version) entries are skipped over.
/// </remarks>
public static class AccountSnapshotCodec
{
    /// <summary>Template id.</summary>
    public const ushort TemplateId = 111;

    /// <summary>Most balance entries a message may carry (the engine's asset capacity is at most 64).</summary>
    public const int MaxBalances = 64;

    /// <summary>Most position entries a message may carry (the engine's instrument capacity is at most 256).</summary>
    public const int MaxPositions = 256;

    /// <summary>Account id of the insurance fund's snapshot.</summary>
    public const long FundAccount = -1;

    internal const int InputSequenceOffset = 0;
    internal const int InputSequenceLength = sizeof(ulong);
    internal const int AccountOffset = InputSequenceOffset + InputSequenceLength;
    internal const int AccountLength = sizeof(long);
    internal const int EquityOffset = AccountOffset + AccountLength;
    internal const int EquityLength = sizeof(long);
    internal const int ImOffset = EquityOffset + EquityLength;
    internal const int ImLength = sizeof(long);
    internal const int MmOffset = ImOffset + ImLength;
    internal const int MmLength = sizeof(long);
    internal const int OpenLossOffset = MmOffset + MmLength;
    internal const int OpenLossLength = sizeof(long);
    internal const int HealthOffset = OpenLossOffset + OpenLossLength;
    internal const int HealthLength = sizeof(byte);
    internal const int BlockLength = HealthOffset + HealthLength;

    /// <summary>SBE groupSizeEncoding.</summary>
    internal static class GroupHeader
    {
        public const int BlockLengthOffset = 0;
        public const int NumInGroupOffset = BlockLengthOffset + sizeof(ushort);
        public const int Length = NumInGroupOffset + sizeof(ushort);
    }

    /// <summary>Entry of group <c>balances</c>.</summary>
    internal static class Balances
    {
        public const int BalanceOffset = 0;
        public const int BalanceLength = sizeof(long);
        public const int AssetOffset = BalanceOffset + BalanceLength;
        public const int AssetLength = sizeof(ushort);
        public const int BlockLength = AssetOffset + AssetLength;
    }

    /// <summary>Entry of group <c>positions</c>.</summary>
    internal static class Positions
    {
        public const int QtyOffset = 0;
        public const int QtyLength = sizeof(long);
        public const int BasisOffset = QtyOffset + QtyLength;
        public const int BasisLength = sizeof(long);
        public const int UpnlOffset = BasisOffset + BasisLength;
        public const int UpnlLength = sizeof(long);
        public const int MarginOffset = UpnlOffset + UpnlLength;
        public const int MarginLength = sizeof(long);
        public const int InstrumentOffset = MarginOffset + MarginLength;
        public const int InstrumentLength = sizeof(int);
        public const int IsolatedOffset = InstrumentOffset + InstrumentLength;
        public const int IsolatedLength = sizeof(byte);
        public const int HealthOffset = IsolatedOffset + IsolatedLength;
        public const int HealthLength = sizeof(byte);
        public const int BlockLength = HealthOffset + HealthLength;
    }

    /// <summary>Length of the longest snapshot message: a destination this long fits any snapshot.</summary>
    public const int MaxLength = MessageHeader.Length + BlockLength
        + GroupHeader.Length + MaxBalances * Balances.BlockLength
        + GroupHeader.Length + MaxPositions * Positions.BlockLength;

    /// <summary>Encoded length of <paramref name="s"/>'s message, header included.</summary>
    public static int LengthOf(AccountSnapshot s) =>
        MessageHeader.Length + BlockLength + GroupHeader.Length + s.AssetCount * Balances.BlockLength
        + GroupHeader.Length + s.PositionCount * Positions.BlockLength;

    /// <summary>
    /// Writes <paramref name="s"/> (balances of assets 0…AssetCount−1, then the listed positions) answering
    /// input <paramref name="inputSequence"/>; returns the bytes written or an <see cref="EncodeFailure"/> value.
    /// </summary>
    public static int Encode(AccountSnapshot s, long inputSequence, Span<byte> dest)
    {
        int assets = s.AssetCount, positions = s.PositionCount;
        if ((uint)assets > MaxBalances || (uint)positions > MaxPositions
            || assets > s.Balances.Length || positions > s.Positions.Length) return EncodeFailure.TooManyEntries;
        if (!Wire.InEnum(s.Health, Wire.LastHealthState)) return EncodeFailure.InvalidValue;
        for (int i = 0; i < positions; i++)
            if (!Wire.InEnum(s.Positions[i].Health, Wire.LastHealthState)) return EncodeFailure.InvalidValue;
        int length = LengthOf(s);
        if (dest.Length < length) return EncodeFailure.InsufficientCapacity;

        var block = dest.Slice(MessageHeader.Length, BlockLength);
        Wire.PutInt64(block, InputSequenceOffset, inputSequence);
        Wire.PutInt64(block, AccountOffset, s.Account);
        Wire.PutInt64(block, EquityOffset, s.Equity);
        Wire.PutInt64(block, ImOffset, s.Im);
        Wire.PutInt64(block, MmOffset, s.Mm);
        Wire.PutInt64(block, OpenLossOffset, s.OpenLoss);
        Wire.PutUInt8(block, HealthOffset, (byte)s.Health);

        int at = MessageHeader.Length + BlockLength;
        WriteGroupHeader(dest[at..], Balances.BlockLength, assets);
        at += GroupHeader.Length;
        for (int a = 0; a < assets; a++, at += Balances.BlockLength)
        {
            var entry = dest.Slice(at, Balances.BlockLength);
            Wire.PutInt64(entry, Balances.BalanceOffset, s.Balances[a]);
            Wire.PutUInt16(entry, Balances.AssetOffset, (ushort)a);
        }
        WriteGroupHeader(dest[at..], Positions.BlockLength, positions);
        at += GroupHeader.Length;
        for (int i = 0; i < positions; i++, at += Positions.BlockLength)
        {
            ref readonly var p = ref s.Positions[i];
            var entry = dest.Slice(at, Positions.BlockLength);
            Wire.PutInt64(entry, Positions.QtyOffset, p.Qty);
            Wire.PutInt64(entry, Positions.BasisOffset, p.Basis);
            Wire.PutInt64(entry, Positions.UpnlOffset, p.Upnl);
            Wire.PutInt64(entry, Positions.MarginOffset, p.Margin);
            Wire.PutInt32(entry, Positions.InstrumentOffset, p.Instrument);
            Wire.PutBool(entry, Positions.IsolatedOffset, p.Isolated);
            Wire.PutUInt8(entry, Positions.HealthOffset, (byte)p.Health);
        }
        MessageHeader.Write(dest, BlockLength, TemplateId);
        return length;
    }

    /// <summary>
    /// Decodes a snapshot into <paramref name="dest"/>: balances are cleared and set by asset index
    /// (<see cref="AccountSnapshot.AssetCount"/> = highest index + 1), positions listed in message order.
    /// On failure <paramref name="dest"/> may be partly overwritten and must not be used.
    /// </summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> src, AccountSnapshot dest, out long inputSequence)
    {
        inputSequence = 0;
        var r = MessageHeader.TryReadBlock(src, out ushort templateId, out int blockLength);
        if (r != DecodeResult.Ok) return r;
        if (templateId != TemplateId) return DecodeResult.UnknownTemplate;
        r = MessageHeader.TrySliceBlock(src, blockLength, BlockLength, out var block);
        if (r != DecodeResult.Ok) return r;
        if (!Wire.TryGetEnum(block, HealthOffset, Wire.LastHealthState, out HealthState health)) return DecodeResult.BadEnum;

        var rest = src[(MessageHeader.Length + blockLength)..];
        r = TryReadGroup(ref rest, Balances.BlockLength, MaxBalances, dest.Balances.Length, out int stride, out int count);
        if (r != DecodeResult.Ok) return r;
        Array.Clear(dest.Balances);
        int assetCount = 0;
        for (int i = 0; i < count; i++)
        {
            var entry = rest.Slice(i * stride, Balances.BlockLength);
            int asset = Wire.GetUInt16(entry, Balances.AssetOffset);
            if (asset >= dest.Balances.Length) return DecodeResult.DestinationTooSmall;
            dest.Balances[asset] = Wire.GetInt64(entry, Balances.BalanceOffset);
            assetCount = Math.Max(assetCount, asset + 1);
        }
        rest = rest[(count * stride)..];

        r = TryReadGroup(ref rest, Positions.BlockLength, MaxPositions, dest.Positions.Length, out stride, out count);
        if (r != DecodeResult.Ok) return r;
        for (int i = 0; i < count; i++)
        {
            var entry = rest.Slice(i * stride, Positions.BlockLength);
            ref var p = ref dest.Positions[i];
            p = default;
            p.Qty = Wire.GetInt64(entry, Positions.QtyOffset);
            p.Basis = Wire.GetInt64(entry, Positions.BasisOffset);
            p.Upnl = Wire.GetInt64(entry, Positions.UpnlOffset);
            p.Margin = Wire.GetInt64(entry, Positions.MarginOffset);
            p.Instrument = Wire.GetInt32(entry, Positions.InstrumentOffset);
            if (!Wire.TryGetBool(entry, Positions.IsolatedOffset, out p.Isolated)) return DecodeResult.BadBool;
            if (!Wire.TryGetEnum(entry, Positions.HealthOffset, Wire.LastHealthState, out p.Health)) return DecodeResult.BadEnum;
        }

        inputSequence = Wire.GetInt64(block, InputSequenceOffset);
        dest.Account = Wire.GetInt64(block, AccountOffset);
        dest.Equity = Wire.GetInt64(block, EquityOffset);
        dest.Im = Wire.GetInt64(block, ImOffset);
        dest.Mm = Wire.GetInt64(block, MmOffset);
        dest.OpenLoss = Wire.GetInt64(block, OpenLossOffset);
        dest.Health = health;
        dest.AssetCount = assetCount;
        dest.PositionCount = count;
        return DecodeResult.Ok;
    }

    private static void WriteGroupHeader(Span<byte> dest, int blockLength, int count)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(dest[GroupHeader.BlockLengthOffset..], (ushort)blockLength);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[GroupHeader.NumInGroupOffset..], (ushort)count);
    }

    /// <summary>
    /// Reads a group header from <paramref name="rest"/> and leaves <paramref name="rest"/> at its first entry,
    /// having checked that all <paramref name="count"/> entries of <paramref name="stride"/> bytes are there.
    /// </summary>
    private static DecodeResult TryReadGroup(ref ReadOnlySpan<byte> rest, int entryLength, int max, int capacity, out int stride, out int count)
    {
        stride = 0; count = 0;
        if (rest.Length < GroupHeader.Length) return DecodeResult.TooShort;
        int blockLength = BinaryPrimitives.ReadUInt16LittleEndian(rest[GroupHeader.BlockLengthOffset..]);
        int n = BinaryPrimitives.ReadUInt16LittleEndian(rest[GroupHeader.NumInGroupOffset..]);
        if (blockLength < entryLength) return DecodeResult.BadBlockLength;
        if (n > max) return DecodeResult.BadGroupCount;
        if (n > capacity) return DecodeResult.DestinationTooSmall;
        rest = rest[GroupHeader.Length..];
        // n ≤ 256 and blockLength ≤ 65535: the product cannot overflow an int.
        if (rest.Length < n * blockLength) return DecodeResult.TooShort;
        stride = blockLength; count = n;
        return DecodeResult.Ok;
    }
}
