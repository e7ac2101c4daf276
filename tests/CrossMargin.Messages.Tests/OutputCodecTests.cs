using CrossMargin.Core.Engine;
using FsCheck.Xunit;

namespace CrossMargin.Messages.Tests;

public class OutputCodecTests
{
    private static readonly SchemaModel Schema = SchemaModel.Load();

    private static byte[] Encode(in RiskEvent e, long inputSequence)
    {
        var buffer = new byte[OutputCodec.MaxLength];
        int n = OutputCodec.Encode(e, inputSequence, buffer);
        Assert.True(n > 0, $"encode of {e.Kind} failed with {n}");
        return buffer[..n];
    }

    private static bool RoundTrips(EventKind kind, int seed)
    {
        var r = new Random(seed);
        var e = Samples.Event(kind, r);
        long sequence = Samples.AnyLong(r);
        var bytes = Encode(e, sequence);
        return OutputCodec.TryDecode(bytes, out var decoded, out long s) == DecodeResult.Ok
               && decoded.Equals(e) && s == sequence
               && bytes.Length == MessageHeader.Length + OutputCodec.BlockLengthOf(kind);
    }

    [Property(MaxTest = 200)] public bool Accepted_round_trips(int seed) => RoundTrips(EventKind.Accepted, seed);
    [Property(MaxTest = 200)] public bool Rejected_round_trips(int seed) => RoundTrips(EventKind.Rejected, seed);
    [Property(MaxTest = 200)] public bool ModeRejected_round_trips(int seed) => RoundTrips(EventKind.ModeRejected, seed);
    [Property(MaxTest = 200)] public bool QueryRejected_round_trips(int seed) => RoundTrips(EventKind.QueryRejected, seed);
    [Property(MaxTest = 200)] public bool Withdrawal_round_trips(int seed) => RoundTrips(EventKind.Withdrawal, seed);
    [Property(MaxTest = 200)] public bool Health_round_trips(int seed) => RoundTrips(EventKind.Health, seed);
    [Property(MaxTest = 200)] public bool CancelAll_round_trips(int seed) => RoundTrips(EventKind.CancelAll, seed);
    [Property(MaxTest = 200)] public bool LiquidationOrder_round_trips(int seed) => RoundTrips(EventKind.LiquidationOrder, seed);
    [Property(MaxTest = 200)] public bool Takeover_round_trips(int seed) => RoundTrips(EventKind.Takeover, seed);
    [Property(MaxTest = 200)] public bool Adl_round_trips(int seed) => RoundTrips(EventKind.Adl, seed);

    [Fact]
    public void Account_and_fund_events_need_the_snapshot_codec()
    {
        var buffer = new byte[OutputCodec.MaxLength];
        Assert.Equal(EncodeFailure.SnapshotRequired, OutputCodec.Encode(new RiskEvent { Kind = EventKind.Account, Account = 1 }, 1, buffer));
        Assert.Equal(EncodeFailure.SnapshotRequired, OutputCodec.Encode(new RiskEvent { Kind = EventKind.Fund }, 1, buffer));
        Assert.Equal(EncodeFailure.UnknownKind, OutputCodec.Encode(new RiskEvent(), 1, buffer));
        Assert.Equal(EncodeFailure.InsufficientCapacity, OutputCodec.Encode(Samples.Event(EventKind.Health, new Random(1)), 1, buffer.AsSpan(0, OutputCodec.MaxLength - 1)));
        var badSide = Samples.Event(EventKind.Adl, new Random(1)); badSide.Side = 0;
        Assert.Equal(EncodeFailure.InvalidValue, OutputCodec.Encode(badSide, 1, buffer));
        var badReason = Samples.Event(EventKind.Rejected, new Random(1)); badReason.Reason = (RejectReason)200;
        Assert.Equal(EncodeFailure.InvalidValue, OutputCodec.Encode(badReason, 1, buffer));
    }

    [Theory]
    [InlineData(AccountSnapshotCodec.FundAccount, EventKind.Fund)]
    [InlineData(12, EventKind.Account)]
    public void A_snapshot_message_reads_as_its_account_event(long account, EventKind kind)
    {
        var s = Samples.NewSnapshot(4, 4);
        s.Account = account;
        s.AssetCount = 1;
        var buffer = new byte[AccountSnapshotCodec.MaxLength];
        int n = AccountSnapshotCodec.Encode(s, 33, buffer);
        Assert.Equal(DecodeResult.Ok, OutputCodec.TryDecode(buffer.AsSpan(0, n), out var e, out long seq));
        Assert.Equal(new RiskEvent { Kind = kind, Account = account, Instrument = -1 }, e);
        Assert.Equal(33, seq);
    }

    [Fact]
    public void A_truncated_message_of_every_kind_at_every_length_is_too_short()
    {
        foreach (var kind in Samples.EventKinds)
        {
            var bytes = Encode(Samples.Event(kind, new Random(7)), 42);
            for (int n = 0; n < bytes.Length; n++)
            {
                Assert.Equal(DecodeResult.TooShort, OutputCodec.TryDecode(bytes.AsSpan(0, n), out var e, out long seq));
                Assert.Equal(default, e);
                Assert.Equal(0, seq);
            }
        }
    }

    [Fact]
    public void Header_faults_are_reported_by_name()
    {
        foreach (var kind in Samples.EventKinds)
        {
            var bytes = Encode(Samples.Event(kind, new Random(3)), 5);
            Assert.Equal(DecodeResult.WrongSchema, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.SchemaIdOffset, 0)));
            Assert.Equal(DecodeResult.UnsupportedVersion, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.VersionOffset, 0)));
            Assert.Equal(DecodeResult.BadBlockLength, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.BlockLengthOffset, (ushort)(OutputCodec.BlockLengthOf(kind) - 1))));
            Assert.Equal(DecodeResult.TooShort, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.BlockLengthOffset, ushort.MaxValue)));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]     // an input template
    [InlineData(100)]   // EventKind 0 does not exist
    [InlineData(112)]   // EventKind.Fund has no message of its own (it is a snapshot)
    [InlineData(113)]
    [InlineData(120)]   // input errors have their own codec
    [InlineData(ushort.MaxValue)]
    public void An_unknown_template_is_reported(int templateId)
    {
        var bytes = Encode(Samples.Event(EventKind.Accepted, new Random(1)), 1);
        Assert.Equal(DecodeResult.UnknownTemplate, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.TemplateIdOffset, (ushort)templateId)));
    }

    [Fact]
    public void Every_enum_and_boolean_field_out_of_range_is_rejected_by_name()
    {
        int checkedFields = 0;
        foreach (var kind in Samples.EventKinds)
        {
            var message = Schema.Messages.Single(m => m.Id == OutputCodec.TemplateIdBase + (int)kind);
            var bytes = Encode(Samples.Event(kind, new Random(11)), 9);
            foreach (var f in message.Fields.Where(f => f.EnumValues != null))
            {
                var expected = f.Type == "BooleanType" ? DecodeResult.BadBool : DecodeResult.BadEnum;
                foreach (byte bad in new[] { (byte)SchemaModel.InvalidValueOf(f), (byte)0x7F, (byte)0x80 })
                {
                    Assert.Equal(expected, OutputCodec.TryDecode(WireEdits.WithByte(bytes, MessageHeader.Length + f.Offset, bad), out var e, out _));
                    Assert.Equal(default, e);
                }
                checkedFields++;
            }
        }
        // rejected 1, mode_rejected 1, query_rejected 1, withdrawal 2, health 3, cancel_all 1, liquidation_order 1, takeover 1, adl 1
        Assert.Equal(12, checkedFields);
    }

    [Fact]
    public void A_longer_block_from_a_newer_version_decodes_and_its_tail_is_skipped()
    {
        foreach (var kind in Samples.EventKinds)
        {
            var e = Samples.Event(kind, new Random(5));
            var longer = WireEdits.WithLongerBlock(Encode(e, 77), 9);
            Assert.Equal(DecodeResult.Ok, OutputCodec.TryDecode(longer, out var decoded, out long seq));
            Assert.Equal(e, decoded);
            Assert.Equal(77, seq);
        }
    }

    private static DecodeResult Decode(byte[] bytes) => OutputCodec.TryDecode(bytes, out _, out _);
}
