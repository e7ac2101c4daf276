using CrossMargin.Tests.Shared;
using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.Host;

/// <summary>Issue 9, item 3: sequence numbers per publisher (Aeron session and stream), not per stream.</summary>
public class PublisherSequencesTests
{
    [Fact]
    public void Two_publishers_on_one_stream_each_in_order_show_no_gap_and_a_skip_is_charged_to_its_publisher()
    {
        var table = new PublisherSequences();
        for (long s = 1; s <= 1000; s++)
        {
            Assert.Equal(0, table.Track(sessionId: 7, streamId: 1002, s));
            Assert.Equal(0, table.Track(sessionId: -99, streamId: 1002, 999_857_000 + s)); // another counter entirely
        }
        Assert.Equal(5, table.Track(-99, 1002, 999_858_006)); // 999_858_001..005 skipped
        Assert.Equal(0, table.Track(7, 1001, 1)); // same session id on another stream: another publisher
        var e = table.Entries();
        Assert.Equal(3, e.Length);
        Assert.Equal(new PublisherSequences.Entry(7, 1002, 1000, 0, 1000), e[0]);
        Assert.Equal(new PublisherSequences.Entry(-99, 1002, 999_858_006, 5, 1001), e[1]);
        Assert.Equal(new PublisherSequences.Entry(7, 1001, 1, 0, 1), e[2]);
    }

    [Fact]
    public void A_duplicate_or_late_message_is_no_gap_and_does_not_move_the_expectation_back()
    {
        var table = new PublisherSequences();
        table.Track(1, 1, 10);
        Assert.Equal(0, table.Track(1, 1, 5));
        Assert.Equal(0, table.Track(1, 1, 11));
        Assert.Equal(11, table.Entries()[0].LastSequence);
    }

    [Fact]
    public void Publishers_beyond_the_capacity_are_counted_as_untracked()
    {
        var table = new PublisherSequences(capacity: 2);
        table.Track(1, 1, 1);
        table.Track(2, 1, 1);
        Assert.Equal(0, table.Track(3, 1, 50));
        Assert.Equal(1, table.Untracked);
        Assert.Equal(2, table.Count);
    }

    /// <summary>Any interleaving of publishers that each skip some of their numbers: each one's gap is exactly what it skipped.</summary>
    [Property(MaxTest = 50)]
    public Property Each_publishers_gaps_are_exactly_the_numbers_it_skipped()
    {
        var step = from publisher in Gen.Choose(0, 3) from skip in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(1, 50))) select (publisher, skip);
        var gen = from start in Gen.ArrayOf(Gen.Choose(1, 1_000_000), 4) from steps in Gen.ListOf(step) select (start, steps.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (start, steps) = t;
            var table = new PublisherSequences();
            var next = start.Select(s => (long)s).ToArray();
            var skipped = new long[4];
            var seen = new bool[4];
            foreach (var (p, skip) in steps)
            {
                long seq = next[p] + (seen[p] ? skip : 0); // a first message sets the expectation
                if (seen[p]) skipped[p] += skip;
                seen[p] = true;
                table.Track(1000 + p, 1002, seq);
                next[p] = seq + 1;
            }
            var entries = table.Entries();
            foreach (var e in entries) Assert.Equal(skipped[e.SessionId - 1000], e.Gaps);
            Assert.Equal(seen.Count(x => x), entries.Length);
        });
    }

    [Fact]
    public void Through_the_gate_two_exchanges_on_the_order_flow_stream_are_two_publishers()
    {
        var config = GateHostTests.LoopbackConfig();
        using var gate = GateHost.Start(config);
        using var exchange = new EmbeddedDriver();
        var first = exchange.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
        var second = exchange.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
        Assert.NotEqual(first.SessionId, second.SessionId);
        var sw = Stopwatch.StartNew();
        while (!(first.IsConnected && second.IsConnected)) { Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10)); if (exchange.DoWork() == 0) Thread.Yield(); }
        var buffer = new byte[InputCodec.MaxLength];
        void Send(ExclusivePublication pub, long account, long seq)
        {
            int n = InputCodec.Encode(new RiskInput { Kind = InputKind.Deposit, Account = account, Asset = 0, Amount = 1_000_000 }, seq, buffer);
            var w = Stopwatch.StartNew();
            while (pub.Offer(buffer.AsSpan(0, n)) < 0) { Assert.True(w.Elapsed < TimeSpan.FromSeconds(10)); exchange.DoWork(); }
            exchange.DoWork();
        }
        for (long s = 1; s <= 20; s++)
        {
            Send(first, 1, s);
            Send(second, 2, 999_856_236 + s); // the second publisher: its own, very different counter
        }
        Send(second, 2, 999_856_236 + 25); // 4 numbers skipped by the second publisher only
        sw.Restart();
        while (gate.ProcessorCounters.Inputs < 41) { Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10)); if (exchange.DoWork() == 0) Thread.Yield(); }
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, gate.Counters.SequenceGaps.Value);
        var entries = gate.Publishers.Entries().ToDictionary(e => e.SessionId);
        Assert.Equal(0, entries[first.SessionId].Gaps);
        Assert.Equal(20, entries[first.SessionId].LastSequence);
        Assert.Equal(4, entries[second.SessionId].Gaps);
        Assert.Equal(999_856_236 + 25, entries[second.SessionId].LastSequence);
        Assert.All(entries.Values, e => Assert.Equal(config.OrderFlow.StreamId, e.StreamId));
    }

    [Fact]
    public void Tracking_allocates_nothing()
    {
        var table = new PublisherSequences();
        table.Track(1, 1, 1);
        long s = 2;
        Assert.Equal(0, Allocations.LeastOf(3, () => { for (long end = s + 10_000; s < end; s++) table.Track((int)(s & 3), 1, s); }));
    }
}
