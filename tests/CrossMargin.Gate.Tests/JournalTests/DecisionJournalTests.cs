using CrossMargin.Gate.Journal;
using CrossMargin.Messages.Recovery;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.JournalTests;

/// <summary>Issue 9, item 4: the on-disk decision log — numbering across restarts, where a restart's redo starts, and replays by output sequence.</summary>
public class DecisionJournalTests
{
    private static byte[] Decision(long outputSequence) => [.. BitConverter.GetBytes(outputSequence * 7919), (byte)(outputSequence % 251)];

    /// <summary>Writes decisions 1..count; decision k answers input-journal record inputOf(k).</summary>
    private static void Write(string journal, int count, Func<long, long> inputOf, long segmentBytes = 512)
    {
        var options = JournalKit.Options(GateHostTests.LoopbackConfig(), segmentBytes);
        using var log = DecisionJournal.Open(journal, options, 1, out var state);
        for (long k = state.LastOutputSequence + 1; k <= count; k++) Assert.True(log.Append(k, inputOf(k), Decision(k)));
        Assert.True(log.Commit());
    }

    [Fact]
    public void A_reopened_log_numbers_on_and_says_where_the_redo_starts()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            // Inputs 1..10 gave decisions 1, 1, 2, 4, 4, 4 (inputs 3, 5.. gave none or were not decided yet).
            long[] inputs = [0, 1, 1, 2, 4, 4, 4];
            Write(dir, 6, k => inputs[k]);
            var options = JournalKit.Options(GateHostTests.LoopbackConfig(), 512);
            using (var log = DecisionJournal.Open(dir, options, 11, out var state))
            {
                Assert.Equal((6L, 1L, 4L, 3), (state.LastOutputSequence, state.CoverageStart, state.LastInput, state.DecisionsOfLastInput));
                Assert.Equal(4, state.RedoStart); // input 4 may have more decisions than the 3 logged
                Assert.False(log.Append(8, 5, Decision(8))); // numbers run on from 7, never skip
                Assert.True(log.Append(7, 5, Decision(7)));
                log.MarkDecided(9); // everything of inputs up to 9 is on disk
                Assert.True(log.Commit());
            }
            using (var log = DecisionJournal.Open(dir, options, 11, out var state))
            {
                Assert.Equal((7L, 5L, 1, 9L), (state.LastOutputSequence, state.LastInput, state.DecisionsOfLastInput, state.DecidedThrough));
                Assert.Equal(10, state.RedoStart);
            }
        }
        finally { JournalKit.Delete(dir); }
    }

    public static Arbitrary<(int Count, int From, int Span)> Requests() =>
        (from count in Gen.Choose(1, 300)
         from first in Gen.Choose(1, 320)
         from span in Gen.Choose(0, 40)
         select (count, first, span)).ToArbitrary();

    [Property(Arbitrary = [typeof(DecisionJournalTests)], MaxTest = 40)]
    public void A_replay_sends_the_range_in_order_across_segments_and_answers_unavailable_for_what_was_never_logged((int Count, int From, int Span) c)
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            Write(dir, c.Count, k => k);
            using var replayer = new DecisionReplayer(DecisionJournal.PathFor(dir));
            long to = c.From + c.Span;
            Assert.True(replayer.Enqueue(new RecoveryRange(42, c.From, to, 0, 1003)));
            var sent = new List<long>();
            var unavailable = new List<RecoveryRange>();
            for (int guard = 0; guard < 10_000; guard++)
            {
                if (replayer.TryPeek(c.Count, out long sequence, out var decision, out var none))
                {
                    Assert.Equal(Decision(sequence), decision.ToArray());
                    sent.Add(sequence);
                    replayer.Advance();
                }
                else if (none.ToSequence != 0) unavailable.Add(none);
                else break;
            }
            long lastSent = Math.Min(to, c.Count);
            Assert.Equal(Enumerable.Range(c.From, (int)Math.Max(0, lastSent - c.From + 1)).Select(i => (long)i), sent);
            if (to > c.Count)
                Assert.Equal([new RecoveryRange(42, Math.Max(c.From, c.Count + 1), to, 0, 1003)], unavailable);
            else Assert.Empty(unavailable);
            Assert.Equal(0, replayer.Pending);
        }
        finally { JournalKit.Delete(dir); }
    }

    /// <summary>Issue 10, item 3: the decision log commits under the input journal's policy — with batch, one fdatasync per commit that has decisions (a group commit), none for an empty one.</summary>
    [Fact]
    public void With_batch_each_commit_of_decisions_is_one_fdatasync_and_an_empty_commit_none()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var batch = JournalKit.Options(GateHostTests.LoopbackConfig(), durability: DurabilityPolicy.Batch);
            using (var log = DecisionJournal.Open(dir, batch, 1, out _))
            {
                long opened = log.Syncs; // creating the log's first segment is synced by the writer, not counted as a commit
                for (long k = 1; k <= 5; k++) Assert.True(log.Append(k, k, Decision(k)));
                Assert.Equal(0, log.DurableSequence);
                Assert.True(log.Commit());
                Assert.Equal((opened + 1, 5L), (log.Syncs, log.DurableSequence)); // five decisions, one sync
                Assert.True(log.Commit());
                Assert.Equal(opened + 1, log.Syncs); // nothing new: no syscall
                Assert.True(log.Append(6, 6, Decision(6)));
                Assert.True(log.Commit());
                Assert.Equal((opened + 2, 6L), (log.Syncs, log.DurableSequence));
            }
            var none = JournalKit.Options(GateHostTests.LoopbackConfig());
            using (var log = DecisionJournal.Open(dir, none, 1, out var state))
            {
                Assert.Equal(6, state.LastOutputSequence);
                Assert.True(log.Append(7, 7, Decision(7)));
                Assert.True(log.Commit());
                Assert.Equal((0L, 6L, 7L), (log.Syncs, log.DurableSequence, log.OsSequence)); // handed to the OS, never synced
            }
        }
        finally { JournalKit.Delete(dir); }
    }

    /// <summary>
    /// As the gate opens it (batch, sync off the appending thread): a commit only wakes the writer's sync thread,
    /// which syncs once per wake; a decision is sendable once synced, or when it was never appended.
    /// </summary>
    [Fact]
    public void With_batch_off_thread_a_commit_wakes_one_sync_and_the_decisions_become_sendable_when_it_covers_them()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var options = JournalKit.Options(GateHostTests.LoopbackConfig(), durability: DurabilityPolicy.Batch) with { SyncOffThread = true };
            using var log = DecisionJournal.Open(dir, options, 1, out _);
            void Until(Func<bool> done)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (!done()) { Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the sync thread did not catch up"); Thread.Sleep(1); }
            }
            for (long k = 1; k <= 5; k++) Assert.True(log.Append(k, k, Decision(k)));
            Assert.True(log.IsSendable(6)); // never appended: nothing to wait for
            Assert.True(log.Commit());
            Until(() => log.DurableSequence == 5);
            Assert.True(log.IsSendable(5));
            Assert.Equal(1, log.Syncs);
            for (long k = 6; k <= 8; k++) Assert.True(log.Append(k, k, Decision(k)));
            Assert.True(log.Commit());
            Until(() => log.DurableSequence == 8);
            Assert.Equal(2, log.Syncs);
            Assert.True(log.IsSendable(8));
        }
        finally { JournalKit.Delete(dir); }
    }

    /// <summary>With interval:MS the decided mark waits until the decisions logged before it are synced: it never runs ahead of the disk.</summary>
    [Fact]
    public void With_interval_the_decided_mark_waits_for_the_sync_of_the_decisions_before_it()
    {
        string dir = JournalKit.NewDirectory();
        try
        {
            var interval = JournalKit.Options(GateHostTests.LoopbackConfig(), durability: DurabilityPolicy.Interval(60_000)); // no timed sync in this test
            using (var log = DecisionJournal.Open(dir, interval, 1, out _))
            {
                for (long k = 1; k <= 3; k++) Assert.True(log.Append(k, k, Decision(k)));
                Assert.True(log.Commit());
                log.MarkDecided(3);
                log.MarkDecided(4); // the oldest waiting mark is kept
                Assert.True(log.Commit());
                Assert.Equal(0, log.DurableSequence);
                Assert.Equal(0, new FileInfo(Path.Combine(DecisionJournal.PathFor(dir), "decided")).Length); // not written: its decisions are not on the disk
            } // the close syncs every decision, then writes the newest mark (not the older waiting one: a clean stop redoes nothing)
            using (var log = DecisionJournal.Open(dir, interval, 1, out var state))
                Assert.Equal((3L, 4L), (state.LastOutputSequence, state.DecidedThrough));
        }
        finally { JournalKit.Delete(dir); }
    }
}
