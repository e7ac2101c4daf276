using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests.Host;

/// <summary>Issue 9, item 4: a missing decisions subscriber never stalls risk processing or intake.</summary>
public class DecisionBacklogTests
{
    private static void Until(Func<bool> done, EmbeddedDriver driver, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(sw.Elapsed < timeout, $"timed out waiting for {what}");
            if (driver.DoWork() == 0) Thread.Yield();
        }
    }

    private static void Send(ExclusivePublication publication, EmbeddedDriver driver, ReadOnlySpan<byte> message)
    {
        var sw = Stopwatch.StartNew();
        while (publication.Offer(message) < 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "back-pressured for 10 s: intake stalled");
            driver.DoWork();
        }
    }

    [Fact]
    public void A_restarted_gate_numbers_its_decisions_above_every_number_the_previous_run_used()
    {
        var config = GateHostTests.LoopbackConfig();
        long firstRun;
        using (var gate = GateHost.Start(config)) firstRun = gate.FirstDecisionSequence;
        Thread.Sleep(2); // a later millisecond (a restart always is)
        using (var gate = GateHost.Start(config))
            Assert.True(gate.FirstDecisionSequence >= firstRun + (1L << DecisionLog.RunBaseShift), $"{gate.FirstDecisionSequence} after {firstRun}");
    }

    [Fact]
    public void With_no_decisions_subscriber_the_gate_keeps_processing_and_a_late_subscriber_gets_every_decision_once_in_order()
    {
        var config = GateHostTests.LoopbackConfig() with { DecisionLogBytes = 1 << 20 }; // outbound ring: 64 slots
        var reference = config.BuildEngine();
        int btc = reference.FindInstrument("BTC-PERP");
        var inputs = GateHostTests.Workload(reference);
        // Then market data only, well past the outbound ring: small mark moves, each a market-data input.
        for (int k = 0; k < 4 * config.OutboundRing; k++)
            inputs.Add(new RiskInput { Kind = InputKind.Mark, Instrument = btc, Price = 470_000 + (k % 7) * 10 });
        // Then order flow again: queries, each answered with a snapshot decision.
        for (long a = 1; a <= 40; a++) inputs.Add(new RiskInput { Kind = InputKind.Query, Account = a });
        Assert.True(inputs.Count >= 2 * config.OutboundRing);

        // Marks go over market data, the rest over order flow, each stream numbered from 1; one
        // stream at a time (waiting for the gate to process each phase), so the order is known.
        var tags = new long[inputs.Count];
        long mdSeq = 0, ofSeq = 0;
        for (int i = 0; i < inputs.Count; i++) tags[i] = inputs[i].Kind == InputKind.Mark ? ++mdSeq : ++ofSeq;
        var expected = GateHostTests.Expected(config, inputs, tags, out ulong expectedHash);
        Assert.True(expected.Count > 2 * config.OutboundRing, $"only {expected.Count} decisions");

        using var gate = GateHost.Start(config);
        using var exchange = new EmbeddedDriver();
        var marketData = exchange.AddPublication(config.MarketData.Channel, config.MarketData.StreamId);
        var orderFlow = exchange.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
        Until(() => marketData.IsConnected && orderFlow.IsConnected, exchange, TimeSpan.FromSeconds(10), "the gate's subscriptions");
        var buffer = new byte[InputCodec.MaxLength];
        for (int i = 0; i < inputs.Count; i++)
        {
            bool isMark = inputs[i].Kind == InputKind.Mark;
            if (i > 0 && isMark != (inputs[i - 1].Kind == InputKind.Mark))
            {
                int processed = i;
                Until(() => gate.ProcessorCounters.Inputs == processed, exchange, TimeSpan.FromSeconds(30), $"input {processed} processed");
            }
            int n = InputCodec.Encode(inputs[i], tags[i], buffer);
            Send(isMark ? marketData : orderFlow, exchange, buffer.AsSpan(0, n));
        }
        // Nobody subscribed to decisions: every input is processed anyway, market data included,
        // and every decision waits in the decision log, not in the outbound ring.
        Until(() => gate.ProcessorCounters.Inputs == inputs.Count, exchange, TimeSpan.FromSeconds(30), "every input processed");
        Until(() => gate.Counters.DecisionsPending.Value == expected.Count, exchange, TimeSpan.FromSeconds(10), "every decision logged");
        Assert.Equal(0, gate.Counters.DecisionsSent.Value);
        Assert.True(gate.Counters.DecisionNotConnected.Value > 0);
        Assert.Equal(0, gate.Counters.DecisionLogFull.Value);
        long first = gate.FirstDecisionSequence;
        Assert.Equal(first - 1 + expected.Count, gate.Counters.LastDecisionSequence.Value);
        Assert.Equal(0, gate.OutboundOccupancy.Used);
        Assert.Equal(expected.Count, gate.DecisionBacklog.Pending);

        // A subscriber connects late: it receives every decision, in order, exactly once, each
        // numbered with its output sequence in the frame's reserved value.
        var received = new List<(byte[] Message, long OutputSequence)>();
        var decisions = exchange.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
        var handler = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader h) => received.Add((b.ToArray(), h.ReservedValue)));
        var sw = Stopwatch.StartNew();
        while (received.Count < expected.Count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"received {received.Count} of {expected.Count}");
            if (exchange.DoWork() + decisions.Poll(ref handler, 64) == 0) Thread.Yield();
        }
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        for (int k = 0; k < 50; k++) { exchange.DoWork(); decisions.Poll(ref handler, 64); } // nothing more may come
        Assert.Equal(expected.Count, received.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            Assert.Equal(first + k, received[k].OutputSequence);
            Assert.True(expected[k].AsSpan().SequenceEqual(received[k].Message), $"decision {k + 1} differs");
        }
        Assert.Equal(expected.Count, gate.Counters.DecisionsSent.Value);
        Assert.Equal(0, gate.Counters.DecisionsPending.Value);
        Assert.Equal(expectedHash, gate.Engine.StateHash());
    }

    [Fact]
    public void A_full_decision_log_holds_decisions_in_their_slots_and_loses_or_reorders_none()
    {
        // 4 KiB of log and 64 outbound slots: far less than the decisions of the workload, so the
        // log fills, then the outbound ring, then intake waits (bounded memory, by design).
        var config = GateHostTests.LoopbackConfig() with { DecisionLogBytes = 4096 };
        var inputs = GateHostTests.Workload(config.BuildEngine());
        var expected = GateHostTests.Expected(config, inputs, out ulong expectedHash);
        Assert.True(expected.Count * 40 > 4096 + 64 * 40);

        using var gate = GateHost.Start(config);
        using var exchange = new EmbeddedDriver();
        var orderFlow = exchange.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
        Until(() => orderFlow.IsConnected, exchange, TimeSpan.FromSeconds(10), "the gate's subscription");
        var buffer = new byte[InputCodec.MaxLength];
        int sent = 0;
        var sw = Stopwatch.StartNew();
        // Send until the log is full. On a loaded machine the processor may trail the sender, so
        // once every input is sent keep pumping: the log fills when processing catches up.
        while (gate.Counters.DecisionLogFull.Value == 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60),
                $"the decision log never filled: sent {sent} of {inputs.Count}, processed {gate.ProcessorCounters.Inputs}, pending {gate.Counters.DecisionsPending.Value}, sent {gate.Counters.DecisionsSent.Value}");
            if (sent < inputs.Count)
            {
                int n = InputCodec.Encode(inputs[sent], sent + 1, buffer);
                Send(orderFlow, exchange, buffer.AsSpan(0, n));
                sent++;
            }
            for (int k = 0; k < 20 && gate.ProcessorCounters.Inputs < sent; k++) { exchange.DoWork(); Thread.Yield(); }
            if (sent == inputs.Count && exchange.DoWork() == 0) Thread.Yield();
        }

        var received = new List<(byte[] Message, long OutputSequence)>();
        var decisions = exchange.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
        var handler = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader h) => received.Add((b.ToArray(), h.ReservedValue)));
        for (; sent < inputs.Count; sent++)
        {
            int n = InputCodec.Encode(inputs[sent], sent + 1, buffer);
            var w = Stopwatch.StartNew();
            while (orderFlow.Offer(buffer.AsSpan(0, n)) < 0)
            {
                Assert.True(w.Elapsed < TimeSpan.FromSeconds(20),
                    $"intake stalled at input {sent} with a subscriber (connected: {decisions.IsConnected}): received {received.Count}, processed {gate.ProcessorCounters.Inputs}, " +
                    $"pending {gate.Counters.DecisionsPending.Value}, log full {gate.Counters.DecisionLogFull.Value}, back-pressure {gate.Counters.DecisionBackPressure.Value}");
                exchange.DoWork();
                decisions.Poll(ref handler, 64);
            }
            decisions.Poll(ref handler, 64);
        }
        sw.Restart();
        while (received.Count < expected.Count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"received {received.Count} of {expected.Count}");
            if (exchange.DoWork() + decisions.Poll(ref handler, 64) == 0) Thread.Yield();
        }
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.True(gate.Counters.DecisionLogFull.Value > 0);
        Assert.Equal(expected.Count, received.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            Assert.Equal(gate.FirstDecisionSequence + k, received[k].OutputSequence);
            Assert.True(expected[k].AsSpan().SequenceEqual(received[k].Message), $"decision {k + 1} differs");
        }
        Assert.Equal(expectedHash, gate.Engine.StateHash());
    }
}
