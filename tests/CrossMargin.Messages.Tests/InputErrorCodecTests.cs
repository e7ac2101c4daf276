using CrossMargin.Core.Engine;
using FsCheck.Xunit;

namespace CrossMargin.Messages.Tests;

public class InputErrorCodecTests
{
    [Property(MaxTest = 200)]
    public bool An_input_error_round_trips(int seed)
    {
        var r = new Random(seed);
        long seq = Samples.AnyLong(r);
        var status = Samples.AnyOf<ProcessStatus>(r);
        var result = Samples.AnyOf<DecodeResult>(r);
        var buffer = new byte[InputErrorCodec.Length];
        return InputErrorCodec.Encode(seq, status, result, buffer) == InputErrorCodec.Length
               && InputErrorCodec.TryDecode(buffer, out long s, out var st, out var dr) == DecodeResult.Ok
               && s == seq && st == status && dr == result;
    }

    [Fact]
    public void Faults_are_values()
    {
        var buffer = new byte[InputErrorCodec.Length];
        Assert.Equal(EncodeFailure.InsufficientCapacity, InputErrorCodec.Encode(1, ProcessStatus.InvalidPrice, DecodeResult.Ok, buffer.AsSpan(1)));
        Assert.Equal(EncodeFailure.InvalidValue, InputErrorCodec.Encode(1, (ProcessStatus)99, DecodeResult.Ok, buffer));
        Assert.Equal(InputErrorCodec.Length, InputErrorCodec.Encode(3, ProcessStatus.Applied, DecodeResult.BadEnum, buffer));
        for (int n = 0; n < buffer.Length; n++)
            Assert.Equal(DecodeResult.TooShort, InputErrorCodec.TryDecode(buffer.AsSpan(0, n), out _, out _, out _));
        Assert.Equal(DecodeResult.UnknownTemplate, InputErrorCodec.TryDecode(WireEdits.WithHeaderField(buffer, MessageHeader.TemplateIdOffset, 1), out _, out _, out _));
        Assert.Equal(DecodeResult.WrongSchema, InputErrorCodec.TryDecode(WireEdits.WithHeaderField(buffer, MessageHeader.SchemaIdOffset, 1), out _, out _, out _));
        int status = MessageHeader.Length + InputErrorCodec.StatusOffset, decode = MessageHeader.Length + InputErrorCodec.DecodeResultOffset;
        Assert.Equal(DecodeResult.BadEnum, InputErrorCodec.TryDecode(WireEdits.WithByte(buffer, status, 0xFF), out _, out _, out _));
        Assert.Equal(DecodeResult.BadEnum, InputErrorCodec.TryDecode(WireEdits.WithByte(buffer, decode, 0xFF), out _, out _, out _));
        Assert.Equal(DecodeResult.Ok, InputErrorCodec.TryDecode(WireEdits.WithLongerBlock(buffer, 6), out long seq, out var st, out var dr));
        Assert.Equal((3L, ProcessStatus.Applied, DecodeResult.BadEnum), (seq, st, dr));
    }
}
