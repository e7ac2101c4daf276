using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Demo;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using CrossMargin.Messages.Recovery;

namespace CrossMargin.Gate.Tests.Security;

/// <summary>
/// The control messages under <c>security.hmacKeyFile</c>: the gate signs the RecoveryRequests it sends the
/// exchange, whose <see cref="RecoveryServer"/> serves only signed ones (a spoofed request cannot make it
/// replay its order flow), and the gate serves only signed decision replay requests. Without a key both
/// stay unsigned, as before.
/// </summary>
public class SignedControlMessagesTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)(i * 11)).ToArray();
    private static readonly byte[] OtherKey = Key.Select(b => (byte)~b).ToArray();

    private static void Until(EmbeddedDriver driver, Func<int> work, Func<bool> done, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting for {what}");
            if (driver.DoWork() + work() == 0) Thread.Yield();
        }
    }

    private static void Offer(EmbeddedDriver driver, ExclusivePublication publication, ReadOnlySpan<byte> message)
    {
        var sw = Stopwatch.StartNew();
        while (publication.Offer(message) < 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "back-pressured for 10 s");
            driver.DoWork();
        }
    }

    /// <summary>A RecoveryRequest for <paramref name="range"/>, signed with <paramref name="key"/> when given.</summary>
    private static byte[] Request(RecoveryRange range, byte[]? key)
    {
        var buffer = new byte[RecoveryRequestCodec.Length + MessageAuthentication.TagLength];
        int n = RecoveryRequestCodec.Encode(range, buffer);
        if (key is not null)
        {
            using var authentication = new MessageAuthentication(key);
            n = authentication.Sign(buffer, n);
        }
        return buffer[..n];
    }

    [Fact]
    public void With_a_key_the_gate_signs_its_recovery_requests_the_server_serves_them_and_ignores_forged_ones()
    {
        var ports = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(1);
        var config = GateHostTests.LoopbackConfig() with
        {
            HmacKey = Key,
            Recovery = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[0]}", 1004),
            RecoveryLimits = new RecoveryLimits(64, 1, 5000, 3), // no retry within the test: every request seen is accounted for
        };
        using var gate = GateHost.Start(config);
        using var driver = new EmbeddedDriver();
        var orderFlow = driver.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
        var requests = driver.AddSubscription(config.Recovery!.Channel, config.Recovery.StreamId);
        using var authentication = new MessageAuthentication(Key);
        var server = new RecoveryServer(orderFlow, 64, InputCodec.MaxLength + MessageAuthentication.TagLength, new MessageAuthentication(Key));
        var asked = new List<byte[]>();
        var onRequest = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader h) => { asked.Add(b.ToArray()); server.OnFragment(b, h); });
        int Work() => requests.Poll(ref onRequest, 16) + server.DoWork();
        Until(driver, Work, () => orderFlow.IsConnected && requests.IsConnected, "connections");

        var buffer = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
        byte[] Signed(in RiskInput input, long sequence) => buffer[..authentication.Sign(buffer, InputCodec.Encode(input, sequence, buffer))];
        var inputs = new[]
        {
            new RiskInput { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 1_000_000_000 },
            new RiskInput { Kind = InputKind.Deposit, Account = 2, Asset = 0, Amount = 1_000_000_000 },
            new RiskInput { Kind = InputKind.Query, Account = 1 },
        };
        for (int s = 1; s <= 3; s++)
        {
            var message = Signed(inputs[s - 1], s);
            server.Record(s, message);
            if (s != 2) Offer(driver, orderFlow, message); // 2 never arrives: the gate must ask for it
        }
        var clock = Stopwatch.StartNew();
        Until(driver, Work, () => gate.ProcessorCounters.Inputs == 3, "the gap asked for, served and applied");
        output.WriteLine($"gap filled after {clock.ElapsedMilliseconds} ms; {asked.Count} requests, unsent {gate.Counters.RecoveryRequestsUnsent.Value}");

        // What the gate sent verifies under the key and names the gap.
        Assert.NotEmpty(asked);
        using (var verifier = new MessageAuthentication(Key))
            foreach (var signed in asked)
            {
                Assert.Equal(RecoveryRequestCodec.Length + MessageAuthentication.TagLength, signed.Length);
                Assert.True(verifier.TryVerify(signed, out var body));
                Assert.Equal(DecodeResult.Ok, RecoveryRequestCodec.TryDecode(body, out var range));
                Assert.Equal((2L, 2L, orderFlow.SessionId, config.OrderFlow.StreamId), (range.FromSequence, range.ToSequence, range.SessionId, range.StreamId));
            }
        Assert.Equal((asked.Count, 0L), (server.Requests, server.Unauthenticated));
        Assert.True(server.Replayed >= 1);
        Assert.Equal(HashOf(config, inputs), gate.Engine.StateHash());

        // A spoofed request on the recovery channel, unsigned or signed with another key: ignored and counted, nothing replayed.
        long requested = server.Requests, replayed = server.Replayed;
        var spoof = driver.AddPublication(config.Recovery.Channel, config.Recovery.StreamId);
        Until(driver, Work, () => spoof.IsConnected, "the spoofer's connection");
        var everything = new RecoveryRange(99, 1, 3, orderFlow.SessionId, config.OrderFlow.StreamId);
        Offer(driver, spoof, Request(everything, null));
        Offer(driver, spoof, Request(everything, OtherKey));
        Until(driver, Work, () => server.Unauthenticated == 2, "the forged requests");
        Until(driver, Work, () => true, "one more cycle");
        Assert.Equal((requested, replayed), (server.Requests, server.Replayed));
        output.WriteLine($"forged requests ignored after {clock.ElapsedMilliseconds} ms");
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, gate.Counters.RecoveryDuplicates.Value); // the gate never saw its flow again
    }

    [Fact]
    public void Without_a_key_a_recovery_server_serves_unsigned_requests_as_before()
    {
        using var driver = new EmbeddedDriver();
        var publication = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(1)[0]}", 1001);
        var open = new RecoveryServer(publication, 4);
        var keyed = new RecoveryServer(publication, 4, authentication: new MessageAuthentication(Key));
        var range = new RecoveryRange(1, 1, 1, publication.SessionId, publication.StreamId);
        foreach (var server in new[] { open, keyed })
        {
            server.OnFragment(Request(range, null), default);
            server.OnFragment(Request(range, Key), default);
        }
        // Unkeyed: both taken (the signed one's trailer lies past the block, as any longer block does). Keyed: only the signed one.
        Assert.Equal((2L, 0L), (open.Requests, open.Unauthenticated));
        Assert.Equal((1L, 1L), (keyed.Requests, keyed.Unauthenticated));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decision_replay_requests_are_served_only_when_signed_if_the_gate_has_a_key(bool keyed)
    {
        var ports = CrossMargin.Gate.Tests.Cli.GateProcess.FreeUdpPorts(1);
        string journal = JournalTests.JournalKit.NewDirectory();
        string counters = Path.Combine(Path.GetTempPath(), $"cm-{Guid.NewGuid():N}.counters");
        var config = GateHostTests.LoopbackConfig().WithJournal(journal) with
        {
            HmacKey = keyed ? Key : null,
            DecisionReplay = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{ports[0]}", 1005),
        };
        try
        {
            using var gate = GateHost.Start(config);
            using var driver = new EmbeddedDriver();
            var orderFlow = driver.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
            var decisions = driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
            var replay = driver.AddPublication(config.DecisionReplay!.Channel, config.DecisionReplay.StreamId);
            var received = new List<long>();
            var onDecision = new DelegateFragmentHandler((ReadOnlySpan<byte> _, in FragmentHeader h) => { if (h.ReservedValue != 0) received.Add(h.ReservedValue); });
            int Work() => decisions.Poll(ref onDecision, 64);
            Until(driver, Work, () => orderFlow.IsConnected && decisions.IsConnected && replay.IsConnected, "connections");

            // Three queries of an unknown account: three decisions, logged on disk.
            var buffer = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
            using var authentication = new MessageAuthentication(Key);
            for (int s = 1; s <= 3; s++)
            {
                int n = InputCodec.Encode(new RiskInput { Kind = InputKind.Query, Account = 99 }, s, buffer);
                if (keyed) n = authentication.Sign(buffer, n);
                Offer(driver, orderFlow, buffer.AsSpan(0, n));
            }
            Until(driver, Work, () => received.Count == 3 && gate.Counters.DecisionsLogged.Value == 3, "three decisions");
            var range = new RecoveryRange(1, received.Min(), received.Max(), 0, config.Decisions.StreamId);

            if (keyed)
            {
                // Unsigned, then signed with another key: counted and dropped, never served.
                Offer(driver, replay, Request(range, null));
                Until(driver, Work, () => gate.Counters.DecisionReplayUnauthenticated.Value == 1, "the unsigned request");
                Offer(driver, replay, Request(range, OtherKey));
                Until(driver, Work, () => gate.Counters.DecisionReplayUnauthenticated.Value == 2, "the forged request");
                Assert.Equal(0, gate.Counters.DecisionsReplayed.Value);
            }
            // Signed with the gate's key (or, without a key, unsigned as before): served.
            Offer(driver, replay, Request(range, keyed ? Key : null));
            Until(driver, Work, () => received.Count == 6, "the replayed decisions");
            Assert.Equal(3, gate.Counters.DecisionsReplayed.Value); // the refused requests added none
            Assert.Equal(received.Take(3), received.Skip(3)); // the same output sequences again
            Assert.Equal((keyed ? 3 : 1, keyed ? 2 : 0, 0L), (gate.Counters.DecisionReplayRequests.Value, gate.Counters.DecisionReplayUnauthenticated.Value, gate.Counters.DecisionReplayUnavailable.Value));
            Assert.Equal(0, gate.Counters.DecodeRejects.Value);

            // Telemetry and `crossmargin stat` show the refusals.
            using (var telemetry = new global::CrossMargin.Gate.Telemetry.TelemetryPublisher(gate, counters))
            {
                telemetry.Publish(global::CrossMargin.Gate.Telemetry.GateState.Running);
                Assert.True(global::CrossMargin.Gate.Telemetry.CountersReader.TryRead(counters, out var snapshot, out var error), error);
                Assert.Equal(keyed ? 2 : 0, snapshot!.Values[snapshot.Labels.ToList().IndexOf("decisions.replay_unauthenticated")]);
                Assert.Matches($@"  replay_unauthenticated +{(keyed ? 2 : 0)}\n", Operator.StatCommand.Render(counters, snapshot, null, 0));
            }
            Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            JournalTests.JournalKit.Delete(journal);
            File.Delete(counters);
        }
    }

    private static ulong HashOf(GateConfig config, RiskInput[] applied)
    {
        var engine = config.BuildEngine();
        foreach (var input in applied) engine.Process(input);
        return engine.StateHash();
    }
}
