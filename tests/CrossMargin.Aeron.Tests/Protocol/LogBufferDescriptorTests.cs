using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Tests.Infrastructure;
using FsCheck;
using FsCheck.Xunit;

namespace CrossMargin.Aeron.Tests.Protocol;

public class LogBufferDescriptorTests
{
    [Fact]
    public void First_frame_of_the_next_term_is_position_one_term_length()
    {
        // data-first-of-next-term: initial 1556574375, term 1556574376, offset 0, 64 KiB terms.
        var setup = new SetupFlyweight(Vectors.Frame("setup-term-length-64k"));
        var data = new DataHeader(Vectors.Frame("data-first-of-next-term"));
        int bits = LogBufferDescriptor.PositionBitsToShift(setup.TermLength);
        Assert.Equal(65536L, LogBufferDescriptor.ComputePosition(data.TermId, data.TermOffset, bits, setup.InitialTermId));
    }

    [Fact]
    public void Sm_after_rollover_acknowledges_the_next_term_start()
    {
        var setup = new SetupFlyweight(Vectors.Frame("setup-term-length-64k"));
        var sm = new StatusMessageFlyweight(Vectors.Frame("sm-after-term-rollover"));
        int bits = LogBufferDescriptor.PositionBitsToShift(setup.TermLength);
        Assert.Equal(65536L, LogBufferDescriptor.ComputePosition(sm.ConsumptionTermId, sm.ConsumptionTermOffset, bits, setup.InitialTermId));
    }

    [Fact]
    public void Pad_frame_covers_the_rest_of_the_term()
    {
        byte[] datagram = Vectors.Frame("data-plus-pad-term-end");
        var pad = new DataHeader(datagram.AsSpan(1056));
        Assert.Equal(FrameType.Pad, pad.Type);
        Assert.Equal(65536, pad.TermOffset + pad.FrameLength);
    }

    [Property(MaxTest = 500)]
    public bool Position_round_trips_through_term_id_and_offset(int initialTermId, PositiveInt termCount, NonNegativeInt offsetSeed, byte shiftSeed)
    {
        int bits = 16 + shiftSeed % 15; // 64 KiB .. 1 GiB
        long termLength = 1L << bits;
        long terms = termCount.Get % (1 << 20);
        int termOffset = (int)(offsetSeed.Get % termLength) & ~(ProtocolConstants.FrameAlignment - 1);
        long position = (terms << bits) + termOffset;
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, bits, initialTermId);
        return LogBufferDescriptor.ComputeTermOffsetFromPosition(position, bits) == termOffset
            && LogBufferDescriptor.ComputePosition(termId, termOffset, bits, initialTermId) == position
            && LogBufferDescriptor.IndexByPosition(position, bits) == LogBufferDescriptor.IndexByTerm(initialTermId, termId);
    }

    [Fact]
    public void Term_ids_wrap_as_int32()
    {
        const int bits = 16;
        int initial = int.MaxValue - 1;
        long position = 3L << bits;
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, bits, initial);
        Assert.Equal(unchecked(int.MaxValue + 2), termId);
        Assert.Equal(position, LogBufferDescriptor.ComputePosition(termId, 0, bits, initial));
    }

    [Theory]
    [InlineData(3000, 1376, 1408 + 1408 + 288)]
    [InlineData(1377, 1376, 1408 + 64)]
    [InlineData(1376, 1376, 1408)]
    public void Fragmented_length_matches_captured_fragments(int length, int maxPayload, int expected) =>
        Assert.Equal(expected, LogBufferDescriptor.ComputeFragmentedFrameLength(length, maxPayload));

    [Fact]
    public void Max_message_length_is_an_eighth_of_the_term_capped_at_16_MiB()
    {
        Assert.Equal(8192, LogBufferDescriptor.ComputeMaxMessageLength(65536));
        Assert.Equal(16 * 1024 * 1024, LogBufferDescriptor.ComputeMaxMessageLength(1024 * 1024 * 1024));
    }

    [Fact]
    public void Scanner_batches_whole_frames_up_to_the_mtu_like_the_captured_five_frame_datagram()
    {
        byte[] term = new byte[65536];
        // Six 232-byte frames (256 aligned) from offset 0: only five fit in 1408.
        for (int i = 0; i < 6; i++)
        {
            new DataHeader(term.AsSpan(i * 256)).Write(232, FrameFlags.Unfragmented, FrameType.Data, i * 256, 1, 2, 3);
        }
        int consumed = TermScanner.ScanForAvailability(term, 0, 1408, out int toSend);
        Assert.Equal(1280, toSend);
        Assert.Equal(1280, consumed);
    }

    [Fact]
    public void Scanner_sends_only_the_pad_header_and_consumes_the_pad_body()
    {
        byte[] term = new byte[65536];
        new DataHeader(term.AsSpan(64416)).Write(1032, FrameFlags.Unfragmented, FrameType.Data, 64416, 1, 2, 3);
        new DataHeader(term.AsSpan(65472)).Write(64, FrameFlags.Unfragmented, FrameType.Pad, 65472, 1, 2, 3);
        int consumed = TermScanner.ScanForAvailability(term, 64416, 1408, out int toSend);
        Assert.Equal(1088, toSend);
        Assert.Equal(1120, consumed);
    }
}
