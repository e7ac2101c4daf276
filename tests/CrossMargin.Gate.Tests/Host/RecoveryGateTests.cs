using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using CrossMargin.Messages.Recovery;

namespace CrossMargin.Gate.Tests.Host;

/// <summary>
/// Issue 9, item 3, through a running gate: a gap is asked for on the recovery channel; a range the
/// exchange cannot send again is declared lost, the publisher's new orders are refused with
/// sequence_gap while its other inputs still apply, and an operator's PublisherResume lifts the halt.
/// </summary>
public class RecoveryGateTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private sealed class Exchange : IDisposable
    {
        public readonly EmbeddedDriver Driver = new();
        public readonly ExclusivePublication OrderFlow;
        public readonly ExclusivePublication? Admin;
        public readonly Subscription Decisions, Requests;
        public readonly List<(byte[] Message, long OutputSequence)> Received = [];
        public readonly List<RecoveryRange> Asked = [];
        private DelegateFragmentHandler _onDecision, _onRequest;

        /// <summary>An exchange for <paramref name="config"/>'s gate; <paramref name="sessionId"/> fixes the order-flow publication's session (the same publisher across gate restarts).</summary>
        public Exchange(GateConfig config, int? sessionId = null)
        {
            OrderFlow = Driver.AddPublication(config.OrderFlow.Channel + (sessionId is { } id ? $"|session-id={id}" : ""), config.OrderFlow.StreamId);
            if (config.Admin is { } admin) Admin = Driver.AddPublication(admin.Channel, admin.StreamId);
            Decisions = Driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
            Requests = Driver.AddSubscription(config.Recovery!.Channel, config.Recovery.StreamId);
            _onDecision = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader h) => Received.Add((b.ToArray(), h.ReservedValue)));
            _onRequest = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader _) =>
            {
                Assert.Equal(DecodeResult.Ok, RecoveryRequestCodec.TryDecode(b, out var r));
                Asked.Add(r);
            });
        }

        public void Until(Func<bool> done, string what)
        {
            var sw = Stopwatch.StartNew();
            while (!done())
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting for {what}");
                if (Driver.DoWork() + Decisions.Poll(ref _onDecision, 64) + Requests.Poll(ref _onRequest, 16) == 0) Thread.Yield();
            }
        }

        public void Send(ExclusivePublication publication, ReadOnlySpan<byte> message)
        {
            var sw = Stopwatch.StartNew();
            while (publication.Offer(message) < 0)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "back-pressured for 10 s");
                Driver.DoWork();
            }
        }

        public void Dispose() => Driver.Dispose();
    }

    [Fact]
    public void An_unrecoverable_gap_halts_new_orders_of_that_publisher_only_until_an_operator_resumes_it()
    {
        var ports = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(2);
        var config = GateHostTests.LoopbackConfig() with
        {
            Recovery = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[0]}", 1004),
            Admin = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[1]}", 1006),
            RecoveryLimits = new RecoveryLimits(64, 1, 100, 3),
        };
        var reference = config.BuildEngine();
        int btc = reference.FindInstrument("BTC-PERP");
        var buffer = new byte[InputCodec.MaxLength];
        byte[] Input(in RiskInput input, long sequence) => buffer[..InputCodec.Encode(input, sequence, buffer)];
        var deposit = new RiskInput { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 100_000_000_000 };
        RiskInput Order(long id) => new() { Kind = InputKind.Order, Account = 1, OrderId = id, Instrument = btc, Side = Side.Buy, Qty = 1, Price = 500_000 };

        using var gate = GateHost.Start(config);
        using var x = new Exchange(config);
        x.Until(() => x.OrderFlow.IsConnected && x.Admin!.IsConnected && x.Decisions.IsConnected && x.Requests.IsConnected, "connections");
        x.Send(x.OrderFlow, Input(deposit, 1));
        x.Send(x.OrderFlow, Input(Order(10), 2));
        x.Until(() => x.Received.Count == 1, "the first order's answer");

        // 3 and 4 never arrive; 5 does: the gate asks for 3..4 and holds 5.
        x.Send(x.OrderFlow, Input(Order(11), 5));
        x.Until(() => x.Asked.Count > 0, "a recovery request");
        Assert.Equal((3L, 4L, x.OrderFlow.SessionId, config.OrderFlow.StreamId), (x.Asked[0].FromSequence, x.Asked[0].ToSequence, x.Asked[0].SessionId, x.Asked[0].StreamId));
        Assert.Equal(2, gate.ProcessorCounters.Inputs);
        Assert.Equal(1, gate.Counters.PublishersRecovering.Value);

        // The exchange no longer has them: lost, loudly; the held order 5 is refused at the door.
        var answer = new byte[RecoveryUnavailableCodec.Length];
        x.Send(x.OrderFlow, answer.AsSpan(0, RecoveryUnavailableCodec.Encode(x.Asked[0], answer)));
        x.Until(() => x.Received.Count == 2, "the held order's answer");
        Assert.Equal(2, gate.Counters.RecoveryLost.Value);
        Assert.Equal(1, gate.Counters.PublishersHalted.Value);
        Assert.Equal((x.OrderFlow.SessionId, config.OrderFlow.StreamId, 3L, 4L), gate.Recovery!.LastLoss);

        // Halted: its queries (and any non-order input) still apply; new orders do not.
        x.Send(x.OrderFlow, Input(new RiskInput { Kind = InputKind.Query, Account = 1 }, 6));
        x.Send(x.OrderFlow, Input(Order(12), 7));
        x.Until(() => x.Received.Count == 4, "the query's and the order's answers");
        Assert.Equal(2, gate.Counters.SequenceGapRejects.Value);

        // The operator resumes it: orders are checked by the engine again.
        var resume = new byte[PublisherResumeCodec.Length];
        x.Send(x.Admin!, resume.AsSpan(0, PublisherResumeCodec.Encode(x.OrderFlow.SessionId, config.OrderFlow.StreamId, resume)));
        x.Until(() => gate.Counters.PublishersHalted.Value == 0, "the resume");
        x.Send(x.OrderFlow, Input(Order(13), 8));
        x.Until(() => x.Received.Count == 5, "the resumed order's answer");
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));

        var answers = x.Received.Select(r => Describe(r.Message)).ToList();
        Assert.Equal(["Accepted 10 @2", "Rejected 11 SequenceGap @5", "Snapshot @6", "Rejected 12 SequenceGap @7", "Accepted 13 @8"], answers);
        for (int k = 1; k < x.Received.Count; k++) Assert.Equal(x.Received[k - 1].OutputSequence + 1, x.Received[k].OutputSequence);
        Assert.Equal(2, gate.Counters.SequenceGapRejects.Value);
        Assert.Equal(1, gate.Counters.PublishersResumed.Value);
        Assert.Equal(4, gate.ProcessorCounters.Inputs); // 1, 2, 6 and 8: the refused orders never reached the engine
    }

    [Theory]
    [InlineData(20_000, false)]
    [InlineData(2_000, true)] // with a key: signed inputs verified, RecoveryRequests signed, still nothing allocated
    public void A_gap_of_n_inputs_is_asked_for_replayed_and_applied_in_order_without_the_network_thread_allocating(int missing, bool keyed)
    {
        byte[]? key = keyed ? Enumerable.Range(1, 32).Select(i => (byte)(i * 5)).ToArray() : null;
        var port = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(1)[0];
        string journal = JournalTests.JournalKit.NewDirectory();
        var config = GateHostTests.LoopbackConfig().WithJournal(journal) with
        {
            InboundRing = 4096, OutboundRing = 4096,
            Recovery = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{port}", 1004),
            RecoveryLimits = new RecoveryLimits(32768, 1, 250, 8),
            HmacKey = key,
        };
        var reference = config.BuildEngine();
        int btc = reference.FindInstrument("BTC-PERP");
        // Marks (applied, never answered: the engine's mark says which came last) and, every 100th, a query of an
        // unknown account (answered: a decision for the on-disk decision log).
        static bool IsQuery(long sequence) => sequence % 100 == 50;
        using var signer = key is null ? null : new MessageAuthentication(key);
        byte[] Mark(long sequence)
        {
            var b = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
            var input = IsQuery(sequence) ? new RiskInput { Kind = InputKind.Query, Account = 99 } : new RiskInput { Kind = InputKind.Mark, Instrument = btc, Price = 400_000 + sequence };
            int n = InputCodec.Encode(input, sequence, b);
            return b[..(signer is null ? n : signer.Sign(b, n))];
        }
        using var gate = GateHost.Start(config, trackAllocations: true);
        using var x = new Exchange(config);
        var server = new CrossMargin.Gate.Demo.RecoveryServer(x.OrderFlow, 1 << 17, 128, key is null ? null : new MessageAuthentication(key));
        var requests = x.Requests;
        void Pump(Func<bool> done, string what)
        {
            var sw = Stopwatch.StartNew();
            while (!done())
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
                if (x.Driver.DoWork() + requests.Poll(ref server, 16) + server.DoWork() == 0) Thread.Yield();
            }
        }
        Pump(() => x.OrderFlow.IsConnected && requests.IsConnected, "connections");
        long next = 1;
        void Send(long sequence, bool deliver)
        {
            var m = Mark(sequence);
            server.Record(sequence, m);
            if (deliver) x.Send(x.OrderFlow, m);
        }
        // Round 1 warms every path up (a gap of 64); round 2 is measured.
        long allocatedBefore = 0;
        for (int round = 0; round < 2; round++)
        {
            int gap = round == 0 ? 64 : missing;
            Send(next++, true);
            Pump(() => gate.ProcessorCounters.Inputs == next - 1, "the first input");
            if (round == 1) allocatedBefore = gate.Counters.NetworkThreadAllocatedBytes.Value;
            for (int k = 0; k < gap; k++) Send(next++, false); // sent while nobody listened
            var clock = Stopwatch.StartNew();
            for (int k = 0; k < 100; k++) Send(next++, true);   // the live flow goes on
            Pump(() => gate.ProcessorCounters.Inputs == next - 1, "every input applied");
            if (round == 1) output.WriteLine($"gap of {gap:N0} inputs: asked for, replayed and applied in order {clock.Elapsed.TotalMilliseconds:F0} ms after the first live input past it ({server.Requests} requests, {server.Replayed:N0} replayed)");
        }
        long allocated = gate.Counters.NetworkThreadAllocatedBytes.Value - allocatedBefore;
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10))); // drained: every decision is on disk now
        long logged = gate.Counters.DecisionsLogged.Value;
        try
        {
            Assert.Equal(0, allocated); // recovery, journal wait, decision log on disk and its decided mark included
            Assert.True(server.Requests > 0);
            Assert.Equal(0, server.Unauthenticated); // with a key, every request the gate sent verified
            Assert.Equal(0, gate.Counters.RecoveryLost.Value);
            long lastMark = next - 1;
            while (IsQuery(lastMark)) lastMark--;
            Assert.Equal(400_000 + lastMark, gate.Engine.GetInstrument(btc).MarkTicks); // the last mark applied last: in order
            var publisher = gate.Publishers.Entries().Single();
            Assert.Equal((next - 1, 0L), (publisher.LastSequence, publisher.Gaps));
            Assert.Equal(Enumerable.Range(1, (int)(next - 1)).Count(s => IsQuery(s)), logged);
        }
        finally { JournalTests.JournalKit.Delete(journal); }
    }

    /// <summary>
    /// Issue 10, items 1 and 2: a halt survives a restart. The gate is "killed" after the halt (its journal
    /// directory copied as it stands on disk, then a gate started on the copy): the restarted gate shows the
    /// halt in its counters and in `stat`, refuses the publisher's orders and withdrawals with sequence_gap
    /// from its first message while deposits and queries apply, and after `resume` accepts them — and a
    /// further restart keeps the resume.
    /// </summary>
    [Fact]
    public void A_halt_survives_a_crash_restart_and_refuses_orders_and_withdrawals_until_resumed()
    {
        const int Session = 4242;
        var ports = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(2);
        string journal = JournalTests.JournalKit.NewDirectory(), image = JournalTests.JournalKit.NewDirectory();
        string counters = Path.Combine(Path.GetTempPath(), $"cm-{Guid.NewGuid():N}.counters");
        var config = GateHostTests.LoopbackConfig().WithJournal(journal) with
        {
            Recovery = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[0]}", 1004),
            Admin = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[1]}", 1006),
            RecoveryLimits = new RecoveryLimits(64, 1, 100, 3),
        };
        int stream = config.OrderFlow.StreamId;
        int btc = config.BuildEngine().FindInstrument("BTC-PERP");
        var buffer = new byte[InputCodec.MaxLength];
        byte[] Input(in RiskInput input, long sequence) => buffer[..InputCodec.Encode(input, sequence, buffer)];
        var deposit = new RiskInput { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 100_000_000_000 };
        var withdraw = new RiskInput { Kind = InputKind.Withdraw, Account = 1, Asset = 0, Amount = 1_000_000 };
        var query = new RiskInput { Kind = InputKind.Query, Account = 1 };
        RiskInput Order(long id) => new() { Kind = InputKind.Order, Account = 1, OrderId = id, Instrument = btc, Side = Side.Buy, Qty = 1, Price = 500_000 };
        try
        {
            // Run 1: 3..4 are lost; the held order 5 and the withdrawal 6 are refused at the door; the query 7 applies.
            var gate = GateHost.Start(config);
            var x = new Exchange(config, Session);
            x.Until(() => x.OrderFlow.IsConnected && x.Admin!.IsConnected && x.Decisions.IsConnected && x.Requests.IsConnected, "connections");
            x.Send(x.OrderFlow, Input(deposit, 1));
            x.Send(x.OrderFlow, Input(Order(10), 2));
            x.Until(() => x.Received.Count == 1, "the first order's answer");
            x.Send(x.OrderFlow, Input(Order(11), 5));
            x.Until(() => x.Asked.Count > 0, "a recovery request");
            var answer = new byte[RecoveryUnavailableCodec.Length];
            x.Send(x.OrderFlow, answer.AsSpan(0, RecoveryUnavailableCodec.Encode(x.Asked[0], answer)));
            x.Send(x.OrderFlow, Input(withdraw, 6));
            x.Send(x.OrderFlow, Input(query, 7));
            x.Until(() => x.Received.Count == 4, "the answers of run 1");
            Assert.Equal(["Accepted 10 @2", "Rejected 11 SequenceGap @5", "Withdrawal 1000000 rejected SequenceGap @6", "Snapshot @7"], x.Received.Select(r => Describe(r.Message)));
            Assert.Equal(2, gate.Counters.SequenceGapRejects.Value);
            // The crash image: the journal directory as it is on disk now (the halt was synced when it was declared).
            CopyDirectory(journal, image);
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            gate.Dispose();
            x.Dispose();

            // Run 2, on the crash image: halted from the start.
            var restartedConfig = config.WithJournal(image);
            gate = GateHost.Start(restartedConfig);
            Assert.Equal(1, gate.Counters.PublishersHalted.Value);
            Assert.Equal([(Session, stream, 3L, 4L)], gate.RestoredHalts.Select(h => (h.SessionId, h.StreamId, h.FromSequence, h.ToSequence)));
            Assert.Equal((Session, stream, 3L, 4L), gate.Recovery!.LastLoss);
            Assert.Equal(7, gate.ReplayedPublishers.Single().LastSequence);
            // Telemetry and `crossmargin stat` show it.
            using (var telemetry = new global::CrossMargin.Gate.Telemetry.TelemetryPublisher(gate, counters))
            {
                telemetry.Publish(global::CrossMargin.Gate.Telemetry.GateState.Running);
                Assert.True(global::CrossMargin.Gate.Telemetry.CountersReader.TryRead(counters, out var snapshot, out var error), error);
                Assert.Equal(1, snapshot!.Values[snapshot.Labels.ToList().IndexOf("recovery.publishers_halted")]);
                Assert.Matches(@"recovery:\n(.*\n)*  publishers_halted +1\n", Operator.StatCommand.Render(counters, snapshot, null, 0));
            }
            x = new Exchange(restartedConfig, Session);
            x.Until(() => x.OrderFlow.IsConnected && x.Admin!.IsConnected && x.Decisions.IsConnected, "connections after the restart");
            x.Send(x.OrderFlow, Input(Order(12), 8));
            x.Send(x.OrderFlow, Input(withdraw, 9));
            x.Send(x.OrderFlow, Input(deposit, 10)); // still applies: it only lowers risk
            x.Send(x.OrderFlow, Input(query, 11));
            List<string> Answers(long from) => x.Received.Select(r => Describe(r.Message)).Where(d => long.Parse(d[(d.LastIndexOf('@') + 1)..]) >= from).ToList();
            x.Until(() => Answers(8).Count == 3, "the answers while halted");
            Assert.Equal(["Rejected 12 SequenceGap @8", "Withdrawal 1000000 rejected SequenceGap @9", "Snapshot @11"], Answers(8));
            Assert.Equal(2, gate.Counters.SequenceGapRejects.Value);
            Assert.Equal(0, gate.Counters.SequenceGaps.Value); // the journal's expectation was right: nothing asked for again

            var resume = new byte[PublisherResumeCodec.Length];
            x.Send(x.Admin!, resume.AsSpan(0, PublisherResumeCodec.Encode(Session, stream, resume)));
            x.Until(() => gate.Counters.PublishersHalted.Value == 0, "the resume");
            x.Send(x.OrderFlow, Input(Order(13), 12));
            x.Send(x.OrderFlow, Input(withdraw, 13));
            x.Until(() => Answers(12).Count == 2, "the answers after the resume");
            Assert.Equal(["Accepted 13 @12", "Withdrawal 1000000 accepted @13"], Answers(12));
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, gate.Counters.HaltRecordFaults.Value);
            gate.Dispose();
            x.Dispose();

            // Run 3: the resume is on record too.
            gate = GateHost.Start(restartedConfig);
            Assert.Empty(gate.RestoredHalts);
            Assert.Equal(0, gate.Counters.PublishersHalted.Value);
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            gate.Dispose();
        }
        finally
        {
            JournalTests.JournalKit.Delete(journal);
            JournalTests.JournalKit.Delete(image);
            File.Delete(counters);
        }
    }

    /// <summary>
    /// Issue 10, item 3: the decision log follows journal.durability unless journal.decisionDurability says
    /// otherwise. With batch, its fdatasyncs are counted (at least one, never more than one per decision: one
    /// per duty cycle that logged some) and the network thread still allocates nothing; with none there is none.
    /// </summary>
    [Theory]
    [InlineData("batch", null)]
    [InlineData("none", null)]
    [InlineData("batch", "none")]
    public void The_decision_log_syncs_per_batch_under_the_journal_policy_without_allocating(string policy, string? decisionPolicy)
    {
        Assert.True(Journal.DurabilityPolicy.TryParse(policy, out var durability, out _));
        Journal.DurabilityPolicy? decisionDurability = null;
        if (decisionPolicy is not null) { Assert.True(Journal.DurabilityPolicy.TryParse(decisionPolicy, out var d, out _)); decisionDurability = d; }
        var port = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(1)[0];
        string journal = JournalTests.JournalKit.NewDirectory();
        var config = GateHostTests.LoopbackConfig().WithJournal(journal) with
        {
            JournalDurability = durability,
            DecisionDurability = decisionDurability,
            Recovery = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{port}", 1004),
        };
        int btc = config.BuildEngine().FindInstrument("BTC-PERP");
        var buffer = new byte[InputCodec.MaxLength];
        try
        {
            using var gate = GateHost.Start(config, trackAllocations: true);
            using var x = new Exchange(config);
            x.Until(() => x.OrderFlow.IsConnected && x.Decisions.IsConnected, "connections");
            long sequence = 0;
            void Send(in RiskInput input) => x.Send(x.OrderFlow, buffer.AsSpan(0, InputCodec.Encode(input, ++sequence, buffer)));
            Send(new RiskInput { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 100_000_000_000 });
            long allocated = 0, allocatedMeasured = long.MaxValue;
            // Round 0 warms up; of the others the least is asserted (the runtime may allocate once while it tiers code up).
            for (int round = 0; round < 4; round++)
            {
                for (int k = 0; k < 200; k++)
                {
                    // Answered, then cancelled (a cancel is not answered): one decision per order, and the book stays small.
                    Send(new RiskInput { Kind = InputKind.Order, Account = 1, OrderId = sequence, Instrument = btc, Side = Side.Buy, Qty = 1, Price = 500_000 });
                    Send(new RiskInput { Kind = InputKind.Cancel, Account = 1, OrderId = sequence - 1, Instrument = btc });
                }
                x.Until(() => gate.Counters.DecisionsLogged.Value >= 200 * (round + 1) && gate.Counters.DecisionsPending.Value == 0, "the decisions");
                long now = gate.Counters.NetworkThreadAllocatedBytes.Value;
                if (round > 0) allocatedMeasured = Math.Min(allocatedMeasured, now - allocated);
                allocated = now;
            }
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
            long syncs = gate.Counters.DecisionLogSyncs.Value, logged = gate.Counters.DecisionsLogged.Value;
            output.WriteLine($"{policy}/{decisionPolicy ?? "same"}: {logged:N0} decisions logged with {syncs:N0} fdatasyncs");
            if ((decisionPolicy ?? policy) == "batch") Assert.InRange(syncs, 1, logged);
            else Assert.Equal(0, syncs);
            Assert.Equal(0, allocatedMeasured);
        }
        finally { JournalTests.JournalKit.Delete(journal); }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        // Not the writers' lock files (a crash releases the lock; the restart creates them again).
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != "LOCK")) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    private static string Describe(byte[] message)
    {
        if (MessageHeader.TemplateOf(message) == AccountSnapshotCodec.TemplateId)
        {
            Assert.Equal(DecodeResult.Ok, AccountSnapshotCodec.TryDecode(message, new AccountSnapshot(GateHostTests.LoopbackConfig().BuildEngine()), out long s));
            return $"Snapshot @{s}";
        }
        Assert.Equal(DecodeResult.Ok, OutputCodec.TryDecode(message, out RiskEvent e, out long sequence));
        if (e.Kind == EventKind.Withdrawal) return $"Withdrawal {e.Amount} {(e.Accepted ? "accepted" : $"rejected {e.Reason}")} @{sequence}";
        return e.Kind == EventKind.Rejected ? $"Rejected {e.OrderId} {e.Reason} @{sequence}" : $"{e.Kind} {e.OrderId} @{sequence}";
    }
}
