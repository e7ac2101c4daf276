using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Tests.Cli;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests;

/// <summary>The gate end to end over Aeron UDP on loopback: bytes in, decisions out.</summary>
public class GateHostTests
{
    internal static int FreeUdpPort() => GateProcess.FreeUdpPorts(1)[0];

    /// <summary>
    /// The default config on free loopback ports with small rings. Scenario roles by default: these workloads send
    /// every kind (marks too) on order flow in one total order, as <c>crossmargin send</c> does.
    /// </summary>
    internal static GateConfig LoopbackConfig(RoleMode roles = RoleMode.Scenario)
    {
        string json = GateConfig.DefaultJson()
            .Replace("127.0.0.1:40456", $"127.0.0.1:{FreeUdpPort()}")
            .Replace("127.0.0.1:40457", $"127.0.0.1:{FreeUdpPort()}")
            .Replace("127.0.0.1:40458", $"127.0.0.1:{FreeUdpPort()}")
            .Replace("\"accounts\": 20000", "\"accounts\": 64")
            .Replace("\"inbound\": 65536", "\"inbound\": 64")    // small rings: exercise throttling and wrap-around
            .Replace("\"outbound\": 262144", "\"outbound\": 64");
        return GateConfig.Parse(json) with { Roles = roles };
    }

    /// <summary>A test-side exchange: order-flow publication and decisions subscription on its own driver.</summary>
    internal sealed class Peer : IDisposable
    {
        public readonly EmbeddedDriver Driver = new();
        public readonly ExclusivePublication OrderFlow;
        public readonly Subscription Decisions;
        public readonly List<byte[]> Received = [];

        public Peer(GateConfig config)
        {
            OrderFlow = Driver.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
            Decisions = Driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
        }

        public void Pump(Func<bool> until, TimeSpan timeout)
        {
            var handler = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader _) => Received.Add(b.ToArray()));
            var sw = Stopwatch.StartNew();
            while (!until())
            {
                Assert.True(sw.Elapsed < timeout, "timed out");
                if (Driver.DoWork() + Decisions.Poll(ref handler, 64) == 0) Thread.Yield();
            }
        }

        public void Send(ReadOnlySpan<byte> message)
        {
            var sw = Stopwatch.StartNew();
            while (OrderFlow.Offer(message) < 0)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "back-pressured for 10 s");
                Pump(() => true, TimeSpan.FromSeconds(1));
                Driver.DoWork();
            }
        }

        public void Dispose() => Driver.Dispose();
    }

    internal static List<RiskInput> Workload(RiskEngine reference)
    {
        int btc = reference.FindInstrument("BTC-PERP"), eth = reference.FindInstrument("ETH-PERP");
        var inputs = new List<RiskInput>();
        var rng = new Random(5);
        for (long a = 1; a <= 40; a++) inputs.Add(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = rng.NextInt64(600, 3000) * 1_000_000 });
        long id = 1;
        for (long a = 1; a <= 40; a++)
        {
            int instr = a % 2 == 0 ? btc : eth;
            var ins = reference.GetInstrument(instr);
            long lots = instr == btc ? rng.Next(200, 2000) : rng.Next(100, 4000);
            var side = a % 3 == 0 ? Side.Sell : Side.Buy;
            inputs.Add(new RiskInput { Kind = InputKind.Order, Account = a, OrderId = id, Instrument = instr, Side = side, Qty = lots, Price = ins.MarkTicks });
            inputs.Add(new RiskInput { Kind = InputKind.Fill, Account = a, OrderId = id++, HasOrderId = true, Instrument = instr, Side = side, Qty = lots, Price = ins.MarkTicks, HasFee = true, Fee = 1000 });
        }
        // A crash on both instruments: restricted, liquidating, takeovers; then queries of everyone and the fund.
        for (int k = 1; k <= 30; k++)
        {
            inputs.Add(new RiskInput { Kind = InputKind.Mark, Instrument = btc, Price = 500_000 - k * 1_000 });
            inputs.Add(new RiskInput { Kind = InputKind.Mark, Instrument = eth, Price = 300_000 - k * 600 });
        }
        for (long a = 1; a <= 40; a++) inputs.Add(new RiskInput { Kind = InputKind.Query, Account = a });
        inputs.Add(new RiskInput { Kind = InputKind.FundQuery });
        return inputs;
    }

    /// <summary>What the gate must publish for <paramref name="inputs"/>: the engine's events, encoded, tagged with the sender sequence.</summary>
    internal static List<byte[]> Expected(GateConfig config, List<RiskInput> inputs, out ulong stateHash) => Expected(config, inputs, null, out stateHash);

    /// <summary>As <see cref="Expected(GateConfig, List{RiskInput}, out ulong)"/>, each input tagged with <paramref name="tags"/>[i] (its sender sequence on its own stream).</summary>
    internal static List<byte[]> Expected(GateConfig config, List<RiskInput> inputs, long[]? tags, out ulong stateHash)
    {
        var engine = config.BuildEngine();
        var snapshot = new AccountSnapshot(engine);
        var buffer = new byte[64 * 1024];
        var expected = new List<byte[]>();
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(ProcessStatus.Applied, engine.Process(inputs[i]));
            foreach (var e in engine.Events.Span)
            {
                int n;
                if (e.Kind is EventKind.Account or EventKind.Fund)
                {
                    if (e.Kind == EventKind.Fund) engine.SnapshotFund(snapshot); else engine.Snapshot(e.Account, snapshot);
                    n = AccountSnapshotCodec.Encode(snapshot, tags?[i] ?? i + 1, buffer);
                }
                else n = OutputCodec.Encode(e, tags?[i] ?? i + 1, buffer);
                Assert.True(n > 0);
                expected.Add(buffer.AsSpan(0, n).ToArray());
            }
        }
        stateHash = engine.StateHash();
        return expected;
    }

    [Fact]
    public void Decisions_over_aeron_are_byte_identical_to_the_engine_run_directly()
    {
        var config = LoopbackConfig();
        var inputs = Workload(config.BuildEngine());
        var expected = Expected(config, inputs, out ulong expectedHash);
        Assert.Contains(expected, m => BitConverter.ToUInt16(m, 2) == 108); // the workload liquidates
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config);
        peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var buffer = new byte[InputCodec.MaxLength];
        for (int i = 0; i < inputs.Count; i++)
        {
            int n = InputCodec.Encode(inputs[i], i + 1, buffer);
            peer.Send(buffer.AsSpan(0, n));
            peer.Pump(() => true, TimeSpan.FromSeconds(1));
        }
        peer.Pump(() => peer.Received.Count >= expected.Count, TimeSpan.FromSeconds(30));
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(expected.Count, peer.Received.Count);
        for (int k = 0; k < expected.Count; k++) Assert.True(expected[k].AsSpan().SequenceEqual(peer.Received[k]), $"decision {k} differs");
        Assert.Equal(inputs.Count, gate.Counters.InputsPublished.Value);
        Assert.Equal(0, gate.Counters.DecodeRejects.Value);
        Assert.Equal(0, gate.Counters.SequenceGaps.Value);
        Assert.Null(gate.Engine.VerifyCaches());
        Assert.Equal(expectedHash, gate.Engine.StateHash()); // the same state, bit for bit, as the engine run directly
    }

    /// <summary>
    /// Issue 9, item 1: the journal keeps the message bytes as received, not a re-encoding. An order whose
    /// block is extended (valid SBE: a newer sender's trailing fields) decodes, is applied, and is journaled
    /// byte for byte — its re-encoding would be shorter; one extended past what a slot keeps is refused.
    /// </summary>
    [Fact]
    public void The_journal_stores_each_message_as_received_not_its_re_encoding()
    {
        string journal = Path.Combine(Path.GetTempPath(), $"cm-journal-{Guid.NewGuid():N}");
        try
        {
            var config = LoopbackConfig().WithJournal(journal);
            var reference = config.BuildEngine();
            int btc = reference.FindInstrument("BTC-PERP");
            var buffer = new byte[InputCodec.MaxLength];
            int n = InputCodec.Encode(new RiskInput { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 10_000_000_000 }, 1, buffer);
            byte[] deposit = buffer.AsSpan(0, n).ToArray();
            n = InputCodec.Encode(new RiskInput { Kind = InputKind.Order, Account = 1, OrderId = 7, Instrument = btc, Side = Side.Buy, Qty = 1, Price = reference.GetInstrument(btc).MarkTicks }, 2, buffer);
            static byte[] Extended(ReadOnlySpan<byte> message, int extra)
            {
                var longer = new byte[message.Length + extra];
                message.CopyTo(longer);
                longer.AsSpan(message.Length).Fill(0xAB);
                BinaryPrimitives.WriteUInt16LittleEndian(longer, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(message) + extra)); // the header's block length
                return longer;
            }
            byte[] order = Extended(buffer.AsSpan(0, n), 8);
            Assert.Equal(DecodeResult.Ok, InputCodec.TryDecode(order, out var decoded, out long seq));
            Assert.Equal((InputKind.Order, 2L), (decoded.Kind, seq));
            n = InputCodec.Encode(new RiskInput { Kind = InputKind.Query, Account = 1 }, 3, buffer);
            byte[] tooLong = Extended(buffer.AsSpan(0, n), Pipeline.InboundEvent.ReceivedCapacity);
            Assert.Equal(DecodeResult.Ok, InputCodec.TryDecode(tooLong, out _, out _));
            using (var gate = GateHost.Start(config))
            using (var peer = new Peer(config))
            {
                peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
                peer.Send(deposit);
                peer.Send(order);
                peer.Send(tooLong);
                peer.Pump(() => gate.ProcessorCounters.Inputs + gate.ProcessorCounters.Malformed >= 3, TimeSpan.FromSeconds(10));
                Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
                Assert.Equal(1, gate.Counters.DecodeRejects.Value);
                Assert.Equal(1, gate.ProcessorCounters.Malformed);
            }
            var (scan, records) = JournalTests.JournalKit.ReadAll(journal);
            Assert.Null(scan.Error);
            Assert.Equal(3, records.Count);
            Assert.Equal(deposit, records[0].Message);
            Assert.Equal(order, records[1].Message); // as sent: 8 bytes longer than InputCodec.Encode would write
            Assert.Equal(DecodeResult.Ok, InputErrorCodec.TryDecode(records[2].Message, out long tag, out _, out var why));
            Assert.Equal((3L, DecodeResult.BadBlockLength), (tag, why));
            var replayed = config.BuildEngine();
            Assert.Equal(3, Journal.InputJournal.Replay(journal, replayed, Journal.ConfigFingerprint.Of(config)).Records);
            Assert.Equal(1, replayed.OpenOrderCount(1));
        }
        finally { if (Directory.Exists(journal)) Directory.Delete(journal, recursive: true); }
    }

    [Fact]
    public void A_malformed_message_enters_the_ring_in_order_is_journaled_and_answered_and_a_sequence_gap_is_counted()
    {
        string journal = Path.Combine(Path.GetTempPath(), $"cm-journal-{Guid.NewGuid():N}.bin");
        try
        {
            var config = LoopbackConfig().WithJournal(journal);
            using (var gate = GateHost.Start(config))
            using (var peer = new Peer(config))
            {
                peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
                var buffer = new byte[InputCodec.MaxLength];
                int n = InputCodec.Encode(new RiskInput { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 1_000_000 }, 1, buffer);
                peer.Send(buffer.AsSpan(0, n));
                peer.Send([1, 2, 3]); // too short for a header
                n = InputCodec.Encode(new RiskInput { Kind = InputKind.Query, Account = 1 }, 4, buffer); // 2 and 3 never sent
                peer.Send(buffer.AsSpan(0, n));
                peer.Pump(() => peer.Received.Count >= 2, TimeSpan.FromSeconds(10));
                Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
                // Answered in input order: the reject of the malformed message, then the query's answer.
                Assert.Equal(InputErrorCodec.TemplateId, BitConverter.ToUInt16(peer.Received[0], 2));
                Assert.Equal(DecodeResult.Ok, InputErrorCodec.TryDecode(peer.Received[0], out _, out var status, out var decodeResult));
                Assert.Equal(DecodeResult.TooShort, decodeResult);
                Assert.Equal(ProcessStatus.Applied, status);
                Assert.Equal(AccountSnapshotCodec.TemplateId, BitConverter.ToUInt16(peer.Received[1], 2));
                Assert.Equal(1, gate.Counters.DecodeRejects.Value);
                Assert.Equal(2, gate.Counters.SequenceGaps.Value);
                Assert.Equal(3, gate.Counters.InputsPublished.Value); // the malformed one took its slot in the order
                Assert.Equal(0, gate.Counters.InboundRingFull.Value);
                Assert.Equal(1, gate.ProcessorCounters.Malformed);
                Assert.Equal(2, gate.ProcessorCounters.Inputs);
            }
            // Journaled in its place: replay reads three records and applies the two inputs.
            var replayed = config.BuildEngine();
            Assert.Equal(3, Journal.InputJournal.Replay(journal, replayed, Journal.ConfigFingerprint.Of(config)).Records);
            Assert.Equal(1_000_000, replayed.Figures(1).Equity);
        }
        finally { if (Directory.Exists(journal)) Directory.Delete(journal, recursive: true); }
    }

    [Fact]
    public void Every_input_is_journaled_and_a_restart_replays_to_the_same_state()
    {
        string journal = Path.Combine(Path.GetTempPath(), $"cm-journal-{Guid.NewGuid():N}");
        try
        {
            var config = LoopbackConfig().WithJournal(journal);
            var inputs = Workload(config.BuildEngine());
            Expected(config, inputs, out ulong expectedHash);
            using (var gate = GateHost.Start(config))
            using (var peer = new Peer(config))
            {
                peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
                var buffer = new byte[InputCodec.MaxLength];
                for (int i = 0; i < inputs.Count; i++)
                {
                    peer.Send(buffer.AsSpan(0, InputCodec.Encode(inputs[i], i + 1, buffer)));
                    peer.Pump(() => true, TimeSpan.FromSeconds(1));
                }
                peer.Pump(() => gate.ProcessorCounters.Inputs == inputs.Count, TimeSpan.FromSeconds(30));
                Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
                Assert.Equal(expectedHash, gate.Engine.StateHash());
            }
            // A fresh engine replaying the file reaches the same state...
            var replayed = config.BuildEngine();
            Assert.Equal(inputs.Count, Journal.InputJournal.Replay(journal, replayed, Journal.ConfigFingerprint.Of(config)).Records);
            Assert.Equal(expectedHash, replayed.StateHash());
            // ...and so does a restarted gate, before it hears anything new.
            using var restarted = GateHost.Start(config);
            Assert.Equal(inputs.Count, restarted.Counters.Replayed.Value);
            Assert.True(restarted.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(expectedHash, restarted.Engine.StateHash());
        }
        finally { Directory.Delete(journal, recursive: true); }
    }

    [Fact]
    public void The_network_and_risk_threads_allocate_nothing_per_message_after_warm_up()
    {
        var config = LoopbackConfig();
        var inputs = Workload(config.BuildEngine());
        using var gate = GateHost.Start(config, trackAllocations: true);
        using var peer = new Peer(config);
        peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var buffer = new byte[InputCodec.MaxLength];
        long sent = 0;
        void Round()
        {
            // Orders, fills, marks, liquidations, queries (answer ring) and one malformed message.
            for (int i = 0; i < inputs.Count; i++)
            {
                peer.Send(buffer.AsSpan(0, InputCodec.Encode(inputs[i], ++sent, buffer)));
                peer.Pump(() => true, TimeSpan.FromSeconds(1));
            }
            peer.Send([9, 9, 9]);
            sent++;
            peer.Pump(() => gate.Counters.InputsPublished == sent && gate.ProcessorCounters.Inputs + gate.ProcessorCounters.Malformed == sent
                && gate.Counters.DecisionsSent == gate.ProcessorCounters.Outputs, TimeSpan.FromSeconds(30));
        }
        Round(); // warm-up: JIT, tiering, first-touch of every path
        Round();
        long network = gate.Counters.NetworkThreadAllocatedBytes.Value;
        long risk = gate.ProcessorCounters.ProcessorThreadAllocatedBytes;
        long decisions = gate.Counters.DecisionsSent;
        Round();
        Round();
        peer.Pump(() => true, TimeSpan.FromSeconds(1));
        long networkAfter = gate.Counters.NetworkThreadAllocatedBytes.Value;
        long riskAfter = gate.ProcessorCounters.ProcessorThreadAllocatedBytes;
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.True(network >= 0 && risk >= 0, "allocation tracking recorded nothing");
        Assert.Equal(0, networkAfter - network);
        Assert.Equal(0, riskAfter - risk);
        Assert.True(gate.Counters.DecisionsSent - decisions > inputs.Count, $"only {gate.Counters.DecisionsSent - decisions} decisions measured");
    }
}
