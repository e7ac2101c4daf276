using System.Buffers.Binary;
using CrossMargin.Core.Engine;
using FsCheck.Xunit;
using static CrossMargin.Messages.AccountSnapshotCodec;

namespace CrossMargin.Messages.Tests;

public class AccountSnapshotCodecTests
{
    private static readonly AccountSnapshot Decoded = Samples.NewSnapshot();

    private static byte[] Encode(AccountSnapshot s, long inputSequence)
    {
        var buffer = new byte[MaxLength];
        int n = AccountSnapshotCodec.Encode(s, inputSequence, buffer);
        Assert.Equal(LengthOf(s), n);
        return buffer[..n];
    }

    private static void AssertSame(AccountSnapshot expected, AccountSnapshot actual)
    {
        Assert.Equal((expected.Account, expected.Health, expected.Equity, expected.Im, expected.Mm, expected.OpenLoss),
            (actual.Account, actual.Health, actual.Equity, actual.Im, actual.Mm, actual.OpenLoss));
        Assert.Equal(expected.AssetCount, actual.AssetCount);
        Assert.Equal(expected.Balances.AsSpan(0, expected.AssetCount).ToArray(), actual.Balances.AsSpan(0, actual.AssetCount).ToArray());
        Assert.Equal(expected.Positions.AsSpan(0, expected.PositionCount).ToArray(), actual.Positions.AsSpan(0, actual.PositionCount).ToArray());
    }

    [Property(MaxTest = 100)]
    public void A_snapshot_round_trips(int seed)
    {
        var r = new Random(seed);
        var s = Samples.NewSnapshot(r.Next(1, MaxBalances + 1), r.Next(1, 32));
        Samples.Fill(s, r);
        long seq = Samples.AnyLong(r);
        var bytes = Encode(s, seq);
        var into = Samples.NewSnapshot();
        Assert.Equal(DecodeResult.Ok, TryDecode(bytes, into, out long decodedSeq));
        Assert.Equal(seq, decodedSeq);
        AssertSame(s, into);
    }

    [Fact]
    public void Full_groups_fit_max_length()
    {
        var s = Samples.NewSnapshot();
        s.AssetCount = MaxBalances;
        s.PositionCount = MaxPositions;
        Assert.Equal(MaxLength, LengthOf(s));
        Assert.Equal(DecodeResult.Ok, TryDecode(Encode(s, 1), Decoded, out _));
        Assert.Equal((MaxBalances, MaxPositions), (Decoded.AssetCount, Decoded.PositionCount));
    }

    [Fact]
    public void Encoding_fails_as_a_value()
    {
        var s = Samples.NewSnapshot(2, 2);
        s.AssetCount = 2; s.PositionCount = 1;
        Assert.Equal(EncodeFailure.InsufficientCapacity, AccountSnapshotCodec.Encode(s, 1, new byte[LengthOf(s) - 1]));
        s.Positions[0].Health = (HealthState)9;
        Assert.Equal(EncodeFailure.InvalidValue, AccountSnapshotCodec.Encode(s, 1, new byte[MaxLength]));
        s.PositionCount = 3; // more than the snapshot holds
        Assert.Equal(EncodeFailure.TooManyEntries, AccountSnapshotCodec.Encode(s, 1, new byte[MaxLength]));
    }

    private static byte[] Sample(out int balancesAt, out int positionsAt)
    {
        var s = Samples.NewSnapshot(3, 4);
        Samples.Fill(s, new Random(21));
        s.AssetCount = 3; s.PositionCount = 2;
        balancesAt = MessageHeader.Length + BlockLength;
        positionsAt = balancesAt + GroupHeader.Length + 3 * Balances.BlockLength;
        return Encode(s, 8);
    }

    [Fact]
    public void A_truncated_snapshot_at_every_length_is_too_short()
    {
        var bytes = Sample(out _, out _);
        for (int n = 0; n < bytes.Length; n++)
            Assert.Equal(DecodeResult.TooShort, TryDecode(bytes.AsSpan(0, n), Decoded, out _));
    }

    [Fact]
    public void Group_headers_are_checked_before_they_are_trusted()
    {
        var bytes = Sample(out int balancesAt, out int positionsAt);
        byte[] With(int at, int field, ushort value)
        {
            var copy = (byte[])bytes.Clone();
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at + field), value);
            return copy;
        }
        Assert.Equal(DecodeResult.BadGroupCount, TryDecode(With(balancesAt, GroupHeader.NumInGroupOffset, MaxBalances + 1), Decoded, out _));
        Assert.Equal(DecodeResult.BadGroupCount, TryDecode(With(positionsAt, GroupHeader.NumInGroupOffset, MaxPositions + 1), Decoded, out _));
        Assert.Equal(DecodeResult.BadBlockLength, TryDecode(With(balancesAt, GroupHeader.BlockLengthOffset, Balances.BlockLength - 1), Decoded, out _));
        Assert.Equal(DecodeResult.BadBlockLength, TryDecode(With(positionsAt, GroupHeader.BlockLengthOffset, Positions.BlockLength - 1), Decoded, out _));
        Assert.Equal(DecodeResult.TooShort, TryDecode(With(positionsAt, GroupHeader.NumInGroupOffset, 3), Decoded, out _));
        Assert.Equal(DecodeResult.TooShort, TryDecode(With(balancesAt, GroupHeader.BlockLengthOffset, ushort.MaxValue), Decoded, out _));
        Assert.Equal(DecodeResult.DestinationTooSmall, TryDecode(bytes, Samples.NewSnapshot(2, 4), out _));
        Assert.Equal(DecodeResult.DestinationTooSmall, TryDecode(bytes, Samples.NewSnapshot(3, 1), out _));
        Assert.Equal(DecodeResult.UnknownTemplate, TryDecode(WireEdits.WithHeaderField(bytes, MessageHeader.TemplateIdOffset, 1), Decoded, out _));
        Assert.Equal(DecodeResult.WrongSchema, TryDecode(WireEdits.WithHeaderField(bytes, MessageHeader.SchemaIdOffset, 1), Decoded, out _));
        Assert.Equal(DecodeResult.BadBlockLength, TryDecode(WireEdits.WithHeaderField(bytes, MessageHeader.BlockLengthOffset, BlockLength - 1), Decoded, out _));
        Assert.Equal(DecodeResult.BadEnum, TryDecode(WireEdits.WithByte(bytes, MessageHeader.Length + HealthOffset, 4), Decoded, out _));
        Assert.Equal(DecodeResult.BadBool, TryDecode(WireEdits.WithByte(bytes, positionsAt + GroupHeader.Length + Positions.IsolatedOffset, 2), Decoded, out _));
        Assert.Equal(DecodeResult.BadEnum, TryDecode(WireEdits.WithByte(bytes, positionsAt + GroupHeader.Length + Positions.BlockLength + Positions.HealthOffset, 4), Decoded, out _));
    }

    [Fact]
    public void Longer_blocks_and_entries_from_a_newer_version_decode()
    {
        // A newer version: 5 more bytes of fixed block and 3 more per entry of each group.
        var s = Samples.NewSnapshot(3, 4);
        Samples.Fill(s, new Random(4));
        s.AssetCount = 3; s.PositionCount = 2;
        const int extraBlock = 5, extraEntry = 3;
        var old = Encode(s, 6);
        var w = new List<byte>();
        w.AddRange(WireEdits.WithLongerBlock(old, extraBlock).AsSpan(0, MessageHeader.Length + BlockLength + extraBlock).ToArray());
        int at = MessageHeader.Length + BlockLength;
        foreach (int entryLength in new[] { Balances.BlockLength, Positions.BlockLength })
        {
            int count = BinaryPrimitives.ReadUInt16LittleEndian(old.AsSpan(at + GroupHeader.NumInGroupOffset));
            var header = new byte[GroupHeader.Length];
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(GroupHeader.BlockLengthOffset), (ushort)(entryLength + extraEntry));
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(GroupHeader.NumInGroupOffset), (ushort)count);
            w.AddRange(header);
            at += GroupHeader.Length;
            for (int i = 0; i < count; i++, at += entryLength)
            {
                w.AddRange(old.AsSpan(at, entryLength).ToArray());
                w.AddRange(Enumerable.Repeat((byte)0xAB, extraEntry));
            }
        }
        var into = Samples.NewSnapshot();
        Assert.Equal(DecodeResult.Ok, TryDecode(w.ToArray(), into, out long seq));
        Assert.Equal(6, seq);
        AssertSame(s, into);
    }
}
