using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.Sequencing;

namespace CrossMargin.Disruptor.Tests;

public class PaddingLayoutTests
{
    private sealed class RawObject
    {
        public byte FirstField;
    }

    [Fact]
    public void Sequence_value_sits_56_bytes_into_a_120_byte_explicit_layout()
    {
        Assert.Equal(56, (int)Marshal.OffsetOf<Sequence>("_value"));
        Assert.Equal(120, Marshal.SizeOf<Sequence>());
    }

    [Fact]
    public void Sequence_value_is_at_offset_56_in_the_actual_managed_object()
    {
        var sequence = new Sequence(42);
        ref byte objectData = ref Unsafe.As<RawObject>(sequence).FirstField;
        nint offset = Unsafe.ByteOffset(ref objectData, ref Unsafe.As<long, byte>(ref sequence.ValueRef));
        Assert.Equal(56, (int)offset);
    }

    [Fact]
    public void A_sequence_object_occupies_at_least_header_plus_120_bytes()
    {
        var keep = new Sequence[1000];
        _ = new Sequence();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < keep.Length; i++)
        {
            keep[i] = new Sequence();
        }

        long perObject = (GC.GetAllocatedBytesForCurrentThread() - before) / keep.Length;
        Assert.True(perObject >= 2 * IntPtr.Size + 120, $"Sequence object is {perObject} bytes");
        GC.KeepAlive(keep);
    }

    [Fact]
    public void Padded_long_is_120_bytes_with_the_value_at_56()
    {
        Assert.Equal(120, Unsafe.SizeOf<PaddedLong>());
        Assert.Equal(56, (int)Marshal.OffsetOf<PaddedLong>(nameof(PaddedLong.Value)));
    }

    [Theory]
    [InlineData(typeof(SingleProducerSequencer), "ProducerState", "Next")]
    [InlineData(null, "ProcessorCounters", "Events")]
    public void Private_hot_field_blocks_keep_56_bytes_of_padding_on_each_side(Type? owner, string nested, string field)
    {
        Type type = owner is null
            ? typeof(BatchEventProcessor).Assembly.GetType("CrossMargin.Disruptor.Processing." + nested, throwOnError: true)!
            : owner.GetNestedType(nested, BindingFlags.NonPublic)!;

        int size = Marshal.SizeOf(type);
        int first = (int)Marshal.OffsetOf(type, field);
        int hotBytes = type.GetFields().Length * sizeof(long);
        Assert.Equal(PaddingLayout.PadBytes, first);
        Assert.True(size - (first + hotBytes) >= PaddingLayout.PadBytes, $"{nested}: {size} bytes, hot fields end at {first + hotBytes}");
    }
}
