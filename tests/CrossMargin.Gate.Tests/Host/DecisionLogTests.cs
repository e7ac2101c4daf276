using CrossMargin.Gate.Host;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.Host;

/// <summary>The decision output log: numbering, order, wrap-around and a bounded capacity.</summary>
public class DecisionLogTests
{
    [Fact]
    public void Decisions_are_numbered_from_1_and_read_back_in_order_with_their_input_sequence()
    {
        var log = new DecisionLog(1024);
        Assert.True(log.TryAppend([1, 2, 3], inputSequence: 7));
        Assert.True(log.TryAppend([9], inputSequence: 8));
        Assert.Equal(2, log.Pending);
        Assert.Equal(2, log.LastOutputSequence);
        Assert.Equal(0, log.LastSentSequence);
        Assert.True(log.TryPeek(out var m, out long outSeq, out long inSeq));
        Assert.Equal(new byte[] { 1, 2, 3 }, m.ToArray());
        Assert.Equal((1L, 7L), (outSeq, inSeq));
        log.Advance();
        Assert.True(log.TryPeek(out m, out outSeq, out inSeq));
        Assert.Equal(new byte[] { 9 }, m.ToArray());
        Assert.Equal((2L, 8L), (outSeq, inSeq));
        log.Advance();
        Assert.False(log.TryPeek(out _, out _, out _));
        Assert.Equal(2, log.LastSentSequence);
        Assert.Equal(0, log.BytesUsed);
    }

    [Fact]
    public void A_full_log_refuses_without_writing_and_takes_again_once_decisions_were_sent()
    {
        var log = new DecisionLog(1024);
        var message = new byte[100]; // 24 + 100 → 128-byte records: 8 fill 1024 bytes
        for (int i = 0; i < 8; i++) Assert.True(log.TryAppend(message, i));
        Assert.False(log.TryAppend(message, 8));
        Assert.Equal(8, log.Pending);
        Assert.Equal(8, log.LastOutputSequence); // the refused one took no number
        Assert.True(log.TryPeek(out _, out long first, out _));
        log.Advance();
        Assert.Equal(1, first);
        Assert.True(log.TryAppend(message, 8));
        Assert.Equal(9, log.LastOutputSequence);
    }

    [Fact]
    public void A_message_longer_than_half_the_log_is_refused_and_MaxMessageLength_says_so()
    {
        var log = new DecisionLog(1024);
        Assert.Equal(512 - DecisionLog.RecordHeaderLength, DecisionLog.MaxMessageLength(1024));
        Assert.True(log.TryAppend(new byte[DecisionLog.MaxMessageLength(1024)], 1));
        Assert.False(log.TryAppend(new byte[DecisionLog.MaxMessageLength(1024) + 1], 2));
        Assert.Throws<InvalidOperationException>(log.SkipSequence); // pending: skipping would reorder
        log.Advance();
        log.SkipSequence();
        Assert.True(log.TryAppend([1], 3));
        Assert.True(log.TryPeek(out _, out long outSeq, out _));
        Assert.Equal(3, outSeq);
    }

    [Fact]
    public void A_run_base_numbers_the_first_decision_above_it_and_later_starts_have_higher_bases()
    {
        var start = new DateTimeOffset(2026, 12, 2, 14, 0, 0, TimeSpan.Zero);
        long runBase = DecisionLog.RunBase(start);
        Assert.Equal(start.ToUnixTimeMilliseconds() * (1L << 14), runBase);
        var log = new DecisionLog(1024, runBase);
        Assert.Equal(runBase + 1, log.FirstOutputSequence);
        Assert.True(log.TryAppend([1], 1));
        Assert.True(log.TryPeek(out _, out long outSeq, out _));
        Assert.Equal(runBase + 1, outSeq);
        // A run one millisecond later starts 2^14 higher: above anything the first could have sent in that millisecond.
        Assert.Equal(runBase + (1L << 14), DecisionLog.RunBase(start.AddMilliseconds(1)));
        Assert.True(DecisionLog.RunBase(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero)) > 0); // no overflow
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionLog(1024, -1));
    }

    [Fact]
    public void Capacity_must_be_a_power_of_two_of_at_least_1024()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionLog(512));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionLog(3000));
    }

    /// <summary>
    /// Whatever interleaving of appends (any length up to the maximum) and sends, the log behaves
    /// as a FIFO queue bounded by its bytes: what it accepts comes back in order, byte for byte,
    /// numbered 1, 2, 3, …, and it refuses only when the record (with wrap padding) does not fit.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property Behaves_as_a_bounded_fifo_across_wrap_around()
    {
        const int capacity = 2048;
        var op = Gen.OneOf(
            Gen.Choose(0, DecisionLog.MaxMessageLength(capacity)).Select(n => n),       // append n bytes
            Gen.Choose(1, 6).Select(k => -k));                                           // send up to k
        return Prop.ForAll(Gen.ListOf(op).Select(l => l.ToArray()).ToArbitrary(), ops =>
        {
            var log = new DecisionLog(capacity);
            var model = new Queue<(byte[] Message, long OutSeq, long InSeq)>();
            long tail = 0, head = 0, next = 1, input = 0;
            foreach (int o in ops)
            {
                if (o >= 0)
                {
                    var message = new byte[o];
                    for (int b = 0; b < o; b++) message[b] = (byte)(next * 31 + b);
                    int record = (DecisionLog.RecordHeaderLength + o + 7) & ~7;
                    int offset = (int)(tail % capacity);
                    int padding = record > capacity - offset ? capacity - offset : 0;
                    bool fits = capacity - (tail - head) >= padding + record;
                    Assert.Equal(fits, log.TryAppend(message, ++input));
                    if (fits) { tail += padding + record; model.Enqueue((message, next++, input)); }
                }
                else
                {
                    for (int k = 0; k < -o && model.Count > 0; k++)
                    {
                        var (message, outSeq, inSeq) = model.Dequeue();
                        Assert.True(log.TryPeek(out var got, out long gotOut, out long gotIn));
                        Assert.True(got.SequenceEqual(message));
                        Assert.Equal((outSeq, inSeq), (gotOut, gotIn));
                        log.Advance();
                        head = tail - log.BytesUsed;
                    }
                }
                Assert.Equal(model.Count, log.Pending);
            }
            return true;
        });
    }

    [Fact]
    public void Appending_and_sending_allocate_nothing()
    {
        var log = new DecisionLog(4096);
        var message = new byte[200];
        for (int warm = 0; warm < 100; warm++) { log.TryAppend(message, warm); log.TryPeek(out _, out _, out _); log.Advance(); }
        long allocated = CrossMargin.Tests.Shared.Allocations.LeastOf(3, () =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                log.TryAppend(message, i);
                if (log.TryPeek(out var m, out _, out _) && m.Length == 200) log.Advance();
            }
        });
        Assert.Equal(0, allocated);
    }
}
