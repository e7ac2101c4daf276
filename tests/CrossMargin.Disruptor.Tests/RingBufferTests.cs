namespace CrossMargin.Disruptor.Tests;

public class RingBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Sizes_that_are_not_a_power_of_two_are_rejected(int size)
        => Assert.ThrowsAny<ArgumentException>(() => new RingBuffer<LongEvent>(size));

    [Fact]
    public void Sequences_one_lap_apart_share_a_slot_and_neighbours_do_not()
    {
        var ring = new RingBuffer<LongEvent>(8);
        ring[3].Value = 33;
        Assert.Equal(33, ring[3 + 8].Value);
        Assert.Equal(33, ring[3 + (8L * 1_000_000_000)].Value);
        Assert.Equal(0, ring[4].Value);
        ring[11].Value = 7;
        Assert.Equal(7, ring[3].Value);
    }

    [Fact]
    public void Indexer_returns_a_reference_into_the_ring_not_a_copy()
    {
        var ring = new RingBuffer<LongEvent>(4);
        ref LongEvent slot = ref ring[2];
        slot.Value = 99;
        Assert.Equal(99, ring[2].Value);
    }
}
