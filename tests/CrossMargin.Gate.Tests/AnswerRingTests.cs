using CrossMargin.Disruptor.Sequencing;
using CrossMargin.Gate.Pipeline;
using FsCheck;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests;

/// <summary>The answer ring hands out contiguous space that never overlaps an answer the consumer still holds.</summary>
public sealed class AnswerRingTests
{
    [Fact]
    public void A_message_that_would_cross_the_end_starts_at_zero_and_space_returns_once_the_consumer_passes_its_slot()
    {
        var consumer = new Sequence(-1);
        var ring = new AnswerRing(100, maxPending: 4) { ConsumerSequence = consumer };
        Assert.True(ring.TryReserve(60, 0, out int a));
        Assert.Equal(0, a);
        Assert.True(ring.TryReserve(30, 1, out int b));
        Assert.Equal(60, b);
        Assert.False(ring.TryReserve(50, 2, out _)); // only [90, 100) is free and nothing was released
        consumer.SetRelease(0);
        Assert.True(ring.TryReserve(50, 2, out int c)); // does not fit in [90, 100): wraps to 0
        Assert.Equal(0, c);
        // The skipped tail [90, 100) stays reserved with the answer at 0, so only [50, 60) is free.
        Assert.False(ring.TryReserve(11, 3, out _));
        Assert.True(ring.TryReserve(10, 3, out int d));
        Assert.Equal(50, d);
        consumer.SetRelease(3);
        Assert.True(ring.TryReserve(100, 4, out int whole)); // nothing unsent: the whole ring, from 0
        Assert.Equal(0, whole);
    }

    /// <summary>
    /// Any sequence of reservations (lengths) and consumer progress (steps): a reservation never
    /// overlaps the bytes of an unconsumed one, and once everything is consumed any length fits.
    /// </summary>
    [Property(MaxTest = 300)]
    public void Reservations_never_overlap_unconsumed_answers(PositiveInt[] lengths, byte[] consumeSteps)
    {
        const int capacity = 256;
        var consumer = new Sequence(-1);
        var ring = new AnswerRing(capacity, maxPending: 8) { ConsumerSequence = consumer };
        var live = new List<(long Seq, int Offset, int Length)>();
        long nextSeq = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            int length = 1 + (lengths[i].Get - 1) % capacity;
            if (ring.TryReserve(length, nextSeq, out int offset))
            {
                Assert.InRange(offset, 0, capacity - length);
                foreach (var (_, o, l) in live) Assert.True(offset + length <= o || o + l <= offset, $"[{offset},{offset + length}) overlaps [{o},{o + l})");
                live.Add((nextSeq, offset, length));
                nextSeq++;
            }
            int step = consumeSteps.Length == 0 ? 1 : consumeSteps[i % consumeSteps.Length] % 3;
            long consumed = Math.Min(consumer.Value + step, nextSeq - 1);
            consumer.SetRelease(consumed);
            live.RemoveAll(r => r.Seq <= consumed);
        }
        consumer.SetRelease(nextSeq - 1);
        Assert.True(ring.TryReserve(capacity, nextSeq, out int all));
        Assert.Equal(0, all);
    }
}
