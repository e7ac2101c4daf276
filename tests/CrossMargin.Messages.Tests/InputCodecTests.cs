using CrossMargin.Core.Engine;
using FsCheck.Xunit;

namespace CrossMargin.Messages.Tests;

public class InputCodecTests
{
    private static readonly SchemaModel Schema = SchemaModel.Load();

    private static byte[] Encode(in RiskInput input, long sequence)
    {
        var buffer = new byte[InputCodec.MaxLength];
        int n = InputCodec.Encode(input, sequence, buffer);
        Assert.True(n > 0, $"encode of {input.Kind} failed with {n}");
        return buffer[..n];
    }

    private static bool RoundTrips(InputKind kind, int seed)
    {
        var r = new Random(seed);
        var input = Samples.Input(kind, r);
        long sequence = Samples.AnyLong(r);
        var bytes = Encode(input, sequence);
        return InputCodec.TryDecode(bytes, out var decoded, out long s) == DecodeResult.Ok
               && decoded.Equals(input) && s == sequence
               && bytes.Length == MessageHeader.Length + InputCodec.BlockLengthOf(kind);
    }

    [Property(MaxTest = 200)] public bool Order_round_trips(int seed) => RoundTrips(InputKind.Order, seed);
    [Property(MaxTest = 200)] public bool Cancel_round_trips(int seed) => RoundTrips(InputKind.Cancel, seed);
    [Property(MaxTest = 200)] public bool Fill_round_trips(int seed) => RoundTrips(InputKind.Fill, seed);
    [Property(MaxTest = 200)] public bool Deposit_round_trips(int seed) => RoundTrips(InputKind.Deposit, seed);
    [Property(MaxTest = 200)] public bool Withdraw_round_trips(int seed) => RoundTrips(InputKind.Withdraw, seed);
    [Property(MaxTest = 200)] public bool Mark_round_trips(int seed) => RoundTrips(InputKind.Mark, seed);
    [Property(MaxTest = 200)] public bool Index_round_trips(int seed) => RoundTrips(InputKind.Index, seed);
    [Property(MaxTest = 200)] public bool Funding_round_trips(int seed) => RoundTrips(InputKind.Funding, seed);
    [Property(MaxTest = 200)] public bool Halt_round_trips(int seed) => RoundTrips(InputKind.Halt, seed);
    [Property(MaxTest = 200)] public bool Config_round_trips(int seed) => RoundTrips(InputKind.Config, seed);
    [Property(MaxTest = 200)] public bool MarginMode_round_trips(int seed) => RoundTrips(InputKind.MarginMode, seed);
    [Property(MaxTest = 200)] public bool Isolate_round_trips(int seed) => RoundTrips(InputKind.Isolate, seed);
    [Property(MaxTest = 200)] public bool Query_round_trips(int seed) => RoundTrips(InputKind.Query, seed);
    [Property(MaxTest = 200)] public bool FundQuery_round_trips(int seed) => RoundTrips(InputKind.FundQuery, seed);

    [Fact]
    public void Every_input_kind_has_a_message()
    {
        foreach (var kind in Samples.InputKinds) Assert.True(InputCodec.BlockLengthOf(kind) > 0, kind.ToString());
    }

    [Fact]
    public void An_order_encodes_to_the_hand_computed_little_endian_bytes()
    {
        var order = new RiskInput
        {
            Kind = InputKind.Order, Account = 2, OrderId = 7, Qty = 500, Price = 500_100,
            Instrument = 3, Side = Side.Buy, ReduceOnly = true,
        };
        string expected =
            "2E00" + "0100" + "4D43" + "0100" +         // header: blockLength 46, template 1, schema 0x434D, version 1
            "0100000000000000" +                          // sequence 1
            "0200000000000000" +                          // account 2
            "0700000000000000" +                          // orderId 7
            "F401000000000000" +                          // qty 500 = 0x1F4
            "84A1070000000000" +                          // price 500100 = 0x7A184
            "03000000" +                                  // instrument 3
            "01" +                                        // side buy = +1
            "01";                                         // reduceOnly true
        Assert.Equal(expected, Convert.ToHexString(Encode(order, 1)));

        var sell = order with { };
        sell.Side = Side.Sell;
        Assert.Equal(0xFF, Encode(sell, 1)[MessageHeader.Length + Inputs.OrderCodec.SideOffset]); // int8 −1
    }

    [Fact]
    public void Encoding_fails_as_a_value()
    {
        var order = Samples.Input(InputKind.Order, new Random(1));
        Assert.Equal(EncodeFailure.UnknownKind, InputCodec.Encode(new RiskInput(), 1, new byte[InputCodec.MaxLength]));
        Assert.Equal(EncodeFailure.UnknownKind, InputCodec.Encode(new RiskInput { Kind = (InputKind)200 }, 1, new byte[InputCodec.MaxLength]));
        Assert.Equal(EncodeFailure.InsufficientCapacity, InputCodec.Encode(order, 1, new byte[MessageHeader.Length + Inputs.OrderCodec.BlockLength - 1]));
        var noSide = order; noSide.Side = 0;
        Assert.Equal(EncodeFailure.InvalidValue, InputCodec.Encode(noSide, 1, new byte[InputCodec.MaxLength]));
        var bigAsset = new RiskInput { Kind = InputKind.Deposit, Asset = ushort.MaxValue + 1 };
        Assert.Equal(EncodeFailure.InvalidValue, InputCodec.Encode(bigAsset, 1, new byte[InputCodec.MaxLength]));
        var negativeAsset = new RiskInput { Kind = InputKind.Index, Asset = -1 };
        Assert.Equal(EncodeFailure.InvalidValue, InputCodec.Encode(negativeAsset, 1, new byte[InputCodec.MaxLength]));
        var badScope = new RiskInput { Kind = InputKind.Halt, Scope = (HaltScope)3 };
        Assert.Equal(EncodeFailure.InvalidValue, InputCodec.Encode(badScope, 1, new byte[InputCodec.MaxLength]));
    }

    [Fact]
    public void A_truncated_message_of_every_kind_at_every_length_is_too_short()
    {
        foreach (var kind in Samples.InputKinds)
        {
            var bytes = Encode(Samples.Input(kind, new Random(7)), 42);
            for (int n = 0; n < bytes.Length; n++)
            {
                Assert.Equal(DecodeResult.TooShort, InputCodec.TryDecode(bytes.AsSpan(0, n), out var input, out long seq));
                Assert.Equal(default, input);
                Assert.Equal(0, seq);
            }
        }
    }

    [Fact]
    public void Header_faults_are_reported_by_name()
    {
        foreach (var kind in Samples.InputKinds)
        {
            var bytes = Encode(Samples.Input(kind, new Random(3)), 5);
            Assert.Equal(DecodeResult.WrongSchema, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.SchemaIdOffset, MessageSchema.Id + 1)));
            Assert.Equal(DecodeResult.UnsupportedVersion, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.VersionOffset, MessageSchema.MinSupportedVersion - 1)));
            ushort shorter = (ushort)(InputCodec.BlockLengthOf(kind) - 1);
            Assert.Equal(DecodeResult.BadBlockLength, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.BlockLengthOffset, shorter)));
            // A block announced longer than the buffer holds is never trusted.
            Assert.Equal(DecodeResult.TooShort, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.BlockLengthOffset, ushort.MaxValue)));
        }
    }

    [Theory]
    [InlineData(0)]     // InputKind.None
    [InlineData(15)]    // one past the last input kind
    [InlineData(101)]   // an output template
    [InlineData(111)]   // the snapshot template
    [InlineData(120)]   // the input-error template
    [InlineData(256 + 1)] // truncates to Order if the decoder ever narrowed the template id
    [InlineData(ushort.MaxValue)]
    public void An_unknown_template_is_reported(int templateId)
    {
        var bytes = Encode(Samples.Input(InputKind.Order, new Random(1)), 1);
        Assert.Equal(DecodeResult.UnknownTemplate, Decode(WireEdits.WithHeaderField(bytes, MessageHeader.TemplateIdOffset, (ushort)templateId)));
    }

    [Fact]
    public void Every_enum_and_boolean_field_out_of_range_is_rejected_by_name()
    {
        int checkedFields = 0;
        foreach (var kind in Samples.InputKinds)
        {
            var message = Schema.Messages.Single(m => m.Id == (int)kind);
            var bytes = Encode(Samples.Input(kind, new Random(11)), 9);
            foreach (var f in message.Fields.Where(f => f.EnumValues != null))
            {
                var expected = f.Type == "BooleanType" ? DecodeResult.BadBool : DecodeResult.BadEnum;
                foreach (byte bad in new[] { (byte)SchemaModel.InvalidValueOf(f), (byte)0x7F, (byte)0x80 })
                {
                    Assert.Equal(expected, InputCodec.TryDecode(WireEdits.WithByte(bytes, MessageHeader.Length + f.Offset, bad), out var input, out _));
                    Assert.Equal(default, input);
                }
                checkedFields++;
            }
        }
        Assert.Equal(9, checkedFields); // order 2, fill 4, halt 2, margin_mode 1
    }

    [Fact]
    public void A_longer_block_from_a_newer_version_decodes_and_its_tail_is_skipped()
    {
        foreach (var kind in Samples.InputKinds)
        {
            var input = Samples.Input(kind, new Random(5));
            var bytes = Encode(input, 77);
            foreach (ushort version in new ushort[] { MessageSchema.Version, MessageSchema.Version + 1 })
            {
                var longer = WireEdits.WithLongerBlock(bytes, 13, version);
                Assert.Equal(DecodeResult.Ok, InputCodec.TryDecode(longer, out var decoded, out long seq));
                Assert.Equal(input, decoded);
                Assert.Equal(77, seq);
            }
        }
    }

    private static DecodeResult Decode(byte[] bytes) => InputCodec.TryDecode(bytes, out _, out _);
}
