using CrossMargin.Messages.Recovery;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Messages.Tests;

/// <summary>The recovery protocol's messages (issue 9, item 3): round trips, refusals as values.</summary>
public class RecoveryCodecTests
{
    private static readonly Gen<long> Sequence = Gen.OneOf(Gen.Constant(1L), Gen.Constant(long.MaxValue), Gen.Choose(1, int.MaxValue).Select(x => (long)x),
        Gen.Choose(0, int.MaxValue).Select(x => ((long)x << 31) + 1));

    /// <summary>Any valid range: positive from, to at or above it, any request id and publisher.</summary>
    public static Arbitrary<RecoveryRange> Ranges() =>
        (from first in Sequence
         from span in Gen.OneOf(Gen.Constant(0L), Gen.Choose(0, int.MaxValue).Select(x => (long)x))
         from request in Gen.OneOf(Gen.Constant(0L), Gen.Constant(long.MinValue), Gen.Choose(int.MinValue, int.MaxValue).Select(x => (long)x * 3))
         from session in Gen.Choose(int.MinValue, int.MaxValue)
         from stream in Gen.Choose(int.MinValue, int.MaxValue)
         select new RecoveryRange(request, first, first > long.MaxValue - span ? long.MaxValue : first + span, session, stream)).ToArbitrary();

    [Property(Arbitrary = [typeof(RecoveryCodecTests)], MaxTest = 300)]
    public void A_request_and_an_unavailable_answer_round_trip(RecoveryRange range)
    {
        var buffer = new byte[RecoveryRequestCodec.Length];
        Assert.Equal(RecoveryRequestCodec.Length, RecoveryRequestCodec.Encode(range, buffer));
        Assert.Equal(RecoveryRequestCodec.TemplateId, MessageHeader.TemplateOf(buffer));
        Assert.Equal(DecodeResult.Ok, RecoveryRequestCodec.TryDecode(buffer, out var request));
        Assert.Equal(range, request);
        // The other message of the same layout is told apart by its template.
        Assert.Equal(DecodeResult.UnknownTemplate, RecoveryUnavailableCodec.TryDecode(buffer, out _));

        Assert.Equal(RecoveryUnavailableCodec.Length, RecoveryUnavailableCodec.Encode(range, buffer));
        Assert.Equal(DecodeResult.Ok, RecoveryUnavailableCodec.TryDecode(buffer, out var answer));
        Assert.Equal(range, answer);
        Assert.Equal(DecodeResult.UnknownTemplate, RecoveryRequestCodec.TryDecode(buffer, out _));
    }

    [Property(MaxTest = 200)]
    public void A_resume_round_trips(int session, int stream)
    {
        var buffer = new byte[PublisherResumeCodec.Length];
        Assert.Equal(PublisherResumeCodec.Length, PublisherResumeCodec.Encode(session, stream, buffer));
        Assert.Equal(DecodeResult.Ok, PublisherResumeCodec.TryDecode(buffer, out int s, out int t));
        Assert.Equal((session, stream), (s, t));
    }

    [Fact]
    public void Only_input_templates_count_as_inputs_for_the_sequence_check()
    {
        foreach (var kind in Samples.InputKinds) Assert.True(InputCodec.IsInputTemplate((ushort)kind));
        foreach (ushort t in new ushort[] { 0, 15, 101, 111, 120, RecoveryRequestCodec.TemplateId, RecoveryUnavailableCodec.TemplateId, PublisherResumeCodec.TemplateId, 256 + 1 })
            Assert.False(InputCodec.IsInputTemplate(t));
    }

    [Fact]
    public void Refusals_are_values()
    {
        var buffer = new byte[RecoveryRequestCodec.Length];
        var range = new RecoveryRange(7, 10, 19, 42, 1002);
        Assert.Equal(10, range.Count);
        Assert.Equal(EncodeFailure.InsufficientCapacity, RecoveryRequestCodec.Encode(range, buffer.AsSpan(1)));
        Assert.Equal(EncodeFailure.InvalidValue, RecoveryRequestCodec.Encode(range with { FromSequence = 0 }, buffer));
        Assert.Equal(EncodeFailure.InvalidValue, RecoveryRequestCodec.Encode(range with { ToSequence = 9 }, buffer));
        Assert.Equal(RecoveryRequestCodec.Length, RecoveryRequestCodec.Encode(range, buffer));
        for (int n = 0; n < buffer.Length; n++)
            Assert.Equal(DecodeResult.TooShort, RecoveryRequestCodec.TryDecode(buffer.AsSpan(0, n), out _));
        Assert.Equal(DecodeResult.WrongSchema, RecoveryRequestCodec.TryDecode(WireEdits.WithHeaderField(buffer, MessageHeader.SchemaIdOffset, 1), out _));
        Assert.Equal(DecodeResult.BadBlockLength, RecoveryRequestCodec.TryDecode(WireEdits.WithHeaderField(buffer, MessageHeader.BlockLengthOffset, 31), out _));
        // A range on the wire that is inverted or starts at 0 is refused by name, never served.
        var inverted = (byte[])buffer.Clone();
        inverted[MessageHeader.Length + RecoveryRequestCodec.ToSequenceOffset] = 9;
        Assert.Equal(DecodeResult.BadRange, RecoveryRequestCodec.TryDecode(inverted, out var none));
        Assert.Equal(default, none);
        var zero = (byte[])buffer.Clone();
        zero[MessageHeader.Length + RecoveryRequestCodec.FromSequenceOffset] = 0;
        Assert.Equal(DecodeResult.BadRange, RecoveryRequestCodec.TryDecode(zero, out _));
        Assert.Equal(DecodeResult.Ok, RecoveryRequestCodec.TryDecode(WireEdits.WithLongerBlock(buffer, 8), out var longer));
        Assert.Equal(range, longer);
        Assert.Equal(0, MessageHeader.TemplateOf(WireEdits.WithHeaderField(buffer, MessageHeader.SchemaIdOffset, 1)));
        Assert.Equal(0, MessageHeader.TemplateOf(buffer.AsSpan(0, 7)));
    }
}
