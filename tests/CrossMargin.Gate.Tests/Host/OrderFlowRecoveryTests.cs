using System.Buffers.Binary;
using System.Diagnostics;
using CrossMargin.Gate.Host;
using CrossMargin.Messages.Recovery;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.Host;

/// <summary>
/// Issue 9, item 3: the order-flow gap buffer. Whatever order, loss and duplication the transport
/// gives, a publisher's messages are applied in sequence order, each once; the buffer stays bounded;
/// an unrecoverable range is declared lost (counted, publisher halted) and only that range is skipped.
/// </summary>
public class OrderFlowRecoveryTests
{
    private const int Session = 77, Stream = 1002;
    private static readonly long Timeout = 250 * Stopwatch.Frequency / 1000;

    /// <summary>
    /// An arrival schedule for messages 1..N: per message how often the transport delivers it first
    /// (0: lost, 1, or 2: duplicated) and a sort key that scatters the deliveries; the last message
    /// always arrives (a lost tail is not a gap anyone can see).
    /// </summary>
    public sealed record Schedule(int Count, int[] Copies, int[] Keys, int BufferMessages);

    public static Arbitrary<Schedule> Schedules() =>
        (from count in Gen.Choose(1, 400)
         from copies in Gen.Frequency((2, Gen.Constant(0)), (10, Gen.Constant(1)), (2, Gen.Constant(2))).ArrayOf(count)
         from keys in Gen.Choose(0, 1000).ArrayOf(2 * count)
         from size in Gen.Elements(2, 8, 64, 512)
         select new Schedule(count, copies, keys, size)).ToArbitrary();

    private static byte[] Message(long sequence)
    {
        var m = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(m, sequence);
        BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(8), unchecked((int)(sequence * 31)));
        return m;
    }

    /// <summary>
    /// Drives a recovery against a simulated exchange: arrivals first, each followed by a drain; the
    /// exchange answers every request by sending the range again (or RecoveryUnavailable for a
    /// sequence it no longer has); the clock moves a timeout on when nothing arrives.
    /// </summary>
    private static (List<long> Applied, OrderFlowRecovery Recovery, GateCounters Counters) Run(
        IEnumerable<long> arrivals, int bufferMessages, Func<long, bool> available, int retries = 8, bool answers = true)
    {
        var counters = new GateCounters();
        var table = new PublisherSequences();
        var recovery = new OrderFlowRecovery(table, counters, new RecoveryLimits(bufferMessages, 1, 250, retries));
        Assert.Equal(0, table.SlotOf(Session, Stream, 1)); // known publisher: it sends from 1 (as after a journal replay)
        var queue = new Queue<long>(arrivals);
        var applied = new List<long>();
        var requests = new RecoveryRange[16];
        long now = 1;
        int idle = 0;
        while (idle < 4 * (retries + 2))
        {
            if (queue.Count > 0)
            {
                long s = queue.Dequeue();
                var action = recovery.OnArrival(Session, Stream, s, Message(s), out int slot);
                Assert.Equal(0, slot);
                if (action == ArrivalAction.Apply) applied.Add(s);
                idle = 0;
            }
            else
            {
                now += Timeout;
                idle++;
            }
            while (recovery.TryTakeNext(out int slot, out long sequence, out var message))
            {
                Assert.Equal(0, slot);
                Assert.Equal(Message(sequence), message.ToArray()); // the bytes buffered for that sequence
                applied.Add(sequence);
            }
            int n = recovery.CollectRequests(now, requests);
            for (int k = 0; k < n && answers; k++)
            {
                var r = requests[k];
                Assert.Equal((Session, Stream), (r.SessionId, r.StreamId));
                Assert.True(r.FromSequence >= 1 && r.ToSequence >= r.FromSequence);
                for (long s = r.FromSequence; s <= r.ToSequence; s++)
                {
                    if (available(s)) queue.Enqueue(s);
                    else recovery.OnUnavailable(r with { FromSequence = s, ToSequence = s });
                }
            }
        }
        return (applied, recovery, counters);
    }

    private static IEnumerable<long> Arrivals(Schedule s)
    {
        var deliveries = new List<(int Key, long Sequence)>();
        int k = 0;
        for (int i = 0; i < s.Count - 1; i++)
            for (int c = 0; c < s.Copies[i]; c++)
                deliveries.Add((s.Keys[k++ % s.Keys.Length] + i, i + 1)); // key + i: mostly forward, locally scattered
        var ordered = deliveries.OrderBy(d => d.Key).ThenBy(d => d.Sequence).Select(d => d.Sequence).ToList();
        ordered.Add(s.Count);
        return ordered;
    }

    [Property(Arbitrary = [typeof(OrderFlowRecoveryTests)], MaxTest = 200)]
    public void Whatever_the_arrival_order_every_message_is_applied_once_in_sequence_order(Schedule schedule)
    {
        var (applied, recovery, counters) = Run(Arrivals(schedule), schedule.BufferMessages, _ => true);
        Assert.Equal(Enumerable.Range(1, schedule.Count).Select(i => (long)i), applied);
        Assert.Equal(0, recovery.Recovering);
        Assert.Equal(0, recovery.Halted);
        Assert.Equal(0, counters.RecoveryLost.Value);
        Assert.Equal(0, counters.PublishersRecovering.Value);
    }

    [Property(Arbitrary = [typeof(OrderFlowRecoveryTests)], MaxTest = 100)]
    public void The_gap_buffer_never_holds_more_than_its_bound_and_what_it_dropped_is_asked_for_again(Schedule schedule)
    {
        var counters = new GateCounters();
        var table = new PublisherSequences();
        var recovery = new OrderFlowRecovery(table, counters, new RecoveryLimits(schedule.BufferMessages, 1, 250, 8));
        table.SlotOf(Session, Stream, 1);
        long held = 0, heldMax = 0;
        foreach (long s in Arrivals(schedule))
        {
            var action = recovery.OnArrival(Session, Stream, s, Message(s), out _);
            if (action == ArrivalAction.Buffered) held++;
            while (recovery.TryTakeNext(out _, out _, out _)) held--;
            heldMax = Math.Max(heldMax, held);
        }
        Assert.True(heldMax <= schedule.BufferMessages, $"held {heldMax} > {schedule.BufferMessages}");
        // Whatever is still missing is exactly what the first requests ask for: no sequence left out.
        var requests = new RecoveryRange[16];
        int n = recovery.CollectRequests(1, requests);
        var asked = requests.Take(n).SelectMany(r => Enumerable.Range((int)r.FromSequence, (int)r.Count)).ToHashSet();
        long next = table.NextOf(0);
        for (long s = next; s < Math.Min(schedule.Count, next + schedule.BufferMessages); s++)
            if (!asked.Contains((int)s) && recovery.OnArrival(Session, Stream, s, Message(s), out _) == ArrivalAction.Apply && s != next)
                Assert.Fail($"sequence {s} was neither buffered nor asked for");
    }

    [Property(Arbitrary = [typeof(OrderFlowRecoveryTests)], MaxTest = 100)]
    public void An_unavailable_range_is_declared_lost_counted_and_halts_the_publisher_and_nothing_else_is_skipped(Schedule schedule, PositiveInt trimmed)
    {
        // The exchange's sent log no longer holds the first `cut` sequences.
        int cut = trimmed.Get % Math.Max(1, schedule.Count);
        var arrivals = Arrivals(schedule).ToList();
        var (applied, recovery, counters) = Run(arrivals, schedule.BufferMessages, s => s > cut);
        // In sequence order, each once; every sequence the exchange still has is applied; what is missing
        // was declared lost (a trimmed one the transport delivered before the request is applied after all).
        for (int k = 1; k < applied.Count; k++) Assert.True(applied[k] > applied[k - 1], $"{applied[k]} after {applied[k - 1]}");
        Assert.Equal(Enumerable.Range(cut + 1, schedule.Count - cut).Select(i => (long)i), applied.Where(s => s > cut));
        long lost = schedule.Count - applied.Count;
        Assert.Equal(lost, counters.RecoveryLost.Value);
        Assert.Equal(lost > 0 ? 1 : 0, recovery.Halted);
        Assert.Equal(lost > 0, recovery.IsHalted(0));
        if (lost > 0)
        {
            Assert.Equal((Session, Stream), (recovery.LastLoss.SessionId, recovery.LastLoss.StreamId));
            Assert.Equal(1, recovery.Resume(Session, Stream));
            Assert.False(recovery.IsHalted(0));
            Assert.Equal(0, counters.PublishersHalted.Value);
        }
    }

    [Fact]
    public void A_gap_nobody_answers_is_asked_for_again_after_each_timeout_then_declared_lost()
    {
        // 1, 2, then 6, 7: 3..5 never come back.
        var (applied, recovery, counters) = Run([1, 2, 6, 7], 8, _ => true, retries: 3, answers: false);
        Assert.Equal([1L, 2, 6, 7], applied);
        Assert.Equal(1 + 3, counters.RecoveryRequests.Value); // the first request and three retries
        Assert.Equal(3, counters.RecoveryLost.Value);
        Assert.Equal(3, counters.SequenceGaps.Value);
        Assert.True(recovery.IsHalted(0));
        Assert.Equal((Session, Stream, 3L, 5L), recovery.LastLoss);
    }

    [Fact]
    public void A_worked_example_buffers_after_the_gap_drops_duplicates_and_overflow_and_asks_for_the_missing_runs()
    {
        var counters = new GateCounters();
        var table = new PublisherSequences();
        var recovery = new OrderFlowRecovery(table, counters, new RecoveryLimits(4, 1, 250, 8));
        table.SlotOf(Session, Stream, 1);
        Assert.Equal(ArrivalAction.Apply, recovery.OnArrival(Session, Stream, 1, Message(1), out _));
        Assert.Equal(ArrivalAction.Buffered, recovery.OnArrival(Session, Stream, 3, Message(3), out _));  // 2 missing
        Assert.Equal(ArrivalAction.Duplicate, recovery.OnArrival(Session, Stream, 3, Message(3), out _));
        Assert.Equal(ArrivalAction.Buffered, recovery.OnArrival(Session, Stream, 5, Message(5), out _));  // 4 missing
        Assert.Equal(ArrivalAction.Overflow, recovery.OnArrival(Session, Stream, 6, Message(6), out _));  // window 2..5
        Assert.Equal(ArrivalAction.Duplicate, recovery.OnArrival(Session, Stream, 1, Message(1), out _));
        Assert.False(recovery.TryTakeNext(out _, out _, out _));
        var requests = new RecoveryRange[16];
        int n = recovery.CollectRequests(1, requests);
        Assert.Equal([(2L, 2L), (4L, 4L)], requests.Take(n).Select(r => (r.FromSequence, r.ToSequence)));
        Assert.Equal(0, recovery.CollectRequests(2, requests)); // asked already; no timeout yet
        Assert.Equal(ArrivalAction.Apply, recovery.OnArrival(Session, Stream, 2, Message(2), out _));
        Assert.True(recovery.TryTakeNext(out _, out long s3, out _));
        Assert.Equal(3, s3);
        Assert.False(recovery.TryTakeNext(out _, out _, out _));   // 4 still missing
        Assert.Equal(ArrivalAction.Apply, recovery.OnArrival(Session, Stream, 4, Message(4), out _));
        Assert.True(recovery.TryTakeNext(out _, out long s5, out _));
        Assert.Equal(5, s5);
        // 6 was dropped: now inside the window, asked for at once.
        n = recovery.CollectRequests(3, requests);
        Assert.Equal([(6L, 6L)], requests.Take(n).Select(r => (r.FromSequence, r.ToSequence)));
        Assert.Equal(ArrivalAction.Apply, recovery.OnArrival(Session, Stream, 6, Message(6), out _));
        Assert.False(recovery.TryTakeNext(out _, out _, out _));
        Assert.Equal(0, recovery.Recovering);
        Assert.Equal((2L, 1L, 3L, 2L), (counters.RecoveryBuffered.Value, counters.RecoveryOverflows.Value, counters.RecoveryRequests.Value, counters.RecoveryDuplicates.Value));
        Assert.Equal(ArrivalAction.Apply, recovery.OnArrival(Session, Stream, 7, Message(7), out _));
    }
}
