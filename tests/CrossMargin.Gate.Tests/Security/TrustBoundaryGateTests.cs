using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;
using static CrossMargin.Gate.Tests.GateHostTests;

namespace CrossMargin.Gate.Tests.Security;

/// <summary>
/// Issue 10, items 1 and 2, through a running gate on loopback: stream roles, the admin channel, source
/// allowlists and the HMAC trailer. A refused message is answered with an input_error naming why, counted,
/// and changes no state (the gate's state hash equals the engine given only the accepted inputs).
/// </summary>
public class TrustBoundaryGateTests
{
    private static readonly RiskInput Deposit = new() { Kind = InputKind.Deposit, Account = 1, Asset = 0, Amount = 1_000_000_000 };
    private static readonly RiskInput Halt = new() { Kind = InputKind.Halt, Scope = HaltScope.Global, Flag = true, Instrument = -1 };
    private static readonly RiskInput Config = new() { Kind = InputKind.Config, Amount = 9_000_000_000_000, LiquidationFeeRatePpm = 1, LiquidationBufferPpm = 1 };

    /// <summary>Sends (sequence, input, publication) in order, waits for the decisions of every one, stops the gate.</summary>
    private static List<(long Sequence, DecodeResult Why)> Run(IGate gate, Peer peer, IReadOnlyList<(ExclusivePublication Pub, RiskInput Input, byte[]? Key)> sends, int expectedErrors)
    {
        var buffer = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
        for (int i = 0; i < sends.Count; i++)
        {
            int n = InputCodec.Encode(sends[i].Input, i + 1, buffer);
            if (sends[i].Key is { } key) n = new MessageAuthentication(key).Sign(buffer, n);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (sends[i].Pub.Offer(buffer.AsSpan(0, n)) < 0)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "back-pressured");
                peer.Pump(() => true, TimeSpan.FromSeconds(1));
            }
            // One input in flight at a time: market data and order flow are two streams, so only this keeps the order.
            int published = i + 1;
            peer.Pump(() => gate.Counters.InputsPublished.Value >= published, TimeSpan.FromSeconds(10));
        }
        var errors = new List<(long, DecodeResult)>();
        peer.Pump(() => InputErrors(peer, errors) >= expectedErrors, TimeSpan.FromSeconds(10));
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        InputErrors(peer, errors);
        return errors;
    }

    private static int InputErrors(Peer peer, List<(long, DecodeResult)> errors)
    {
        errors.Clear();
        foreach (var m in peer.Received)
            if (InputErrorCodec.TryDecode(m, out long seq, out _, out DecodeResult why) == DecodeResult.Ok) errors.Add((seq, why));
        return errors.Count;
    }

    private static ulong HashOf(GateConfig config, params RiskInput[] applied)
    {
        var engine = config.BuildEngine();
        foreach (var input in applied) Assert.Equal(ProcessStatus.Applied, engine.Process(input));
        return engine.StateHash();
    }

    [Fact]
    public void Strict_roles_refuse_marks_config_and_halts_on_order_flow_and_deposits_on_market_data()
    {
        var config = LoopbackConfig(RoleMode.Strict);
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config);
        var marketData = peer.Driver.AddPublication(config.MarketData.Channel, config.MarketData.StreamId);
        peer.Pump(() => peer.OrderFlow.IsConnected && marketData.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var mark = new RiskInput { Kind = InputKind.Mark, Instrument = 0, Price = 400_000 };
        var errors = Run(gate, peer,
        [
            (peer.OrderFlow, Deposit, null),  // 1 applied
            (peer.OrderFlow, mark, null),     // 2 wrong stream
            (peer.OrderFlow, Config, null),   // 3 wrong stream (admin only)
            (peer.OrderFlow, Halt, null),     // 4 wrong stream (admin only)
            (marketData, Deposit with { Account = 2 }, null), // 5 wrong stream
            (marketData, mark, null),         // 6 applied
        ], 4);

        Assert.Equal([(2L, DecodeResult.WrongStream), (3L, DecodeResult.WrongStream), (4L, DecodeResult.WrongStream), (5L, DecodeResult.WrongStream)], errors);
        Assert.Equal(4, gate.Counters.WrongStreamRejects.Value);
        Assert.Equal(0, gate.Counters.DecodeRejects.Value);
        Assert.Equal(HashOf(config, Deposit, mark), gate.Engine.StateHash()); // nothing refused was applied
        Assert.Null(config.Admin); // and with no admin channel nothing can change the config or halt trading
    }

    [Fact]
    public void Config_and_halts_are_applied_from_the_admin_channel_only()
    {
        var baseConfig = LoopbackConfig(RoleMode.Strict);
        var config = baseConfig with { Admin = new ChannelConfig($"aeron:udp?endpoint=127.0.0.1:{FreeUdpPort()}", 1004) };
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config);
        var admin = peer.Driver.AddPublication(config.Admin!.Channel, config.Admin.StreamId);
        peer.Pump(() => peer.OrderFlow.IsConnected && admin.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var errors = Run(gate, peer,
        [
            (admin, Config, null),            // 1 applied
            (admin, Deposit, null),           // 2 wrong stream: admin carries config and halts only
            (peer.OrderFlow, Halt, null),     // 3 wrong stream
            (admin, Halt, null),              // 4 applied
        ], 2);
        Assert.Equal([(2L, DecodeResult.WrongStream), (3L, DecodeResult.WrongStream)], errors);
        Assert.Equal(HashOf(config, Config, Halt), gate.Engine.StateHash());
    }

    [Fact]
    public void Scenario_roles_accept_every_kind_on_order_flow()
    {
        var config = LoopbackConfig(RoleMode.Scenario);
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config);
        peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var errors = Run(gate, peer, [(peer.OrderFlow, Deposit, null), (peer.OrderFlow, Config, null), (peer.OrderFlow, Halt, null)], 0);
        Assert.Empty(errors);
        Assert.Equal(0, gate.Counters.WrongStreamRejects.Value);
        Assert.Equal(HashOf(config, Deposit, Config, Halt), gate.Engine.StateHash());
    }

    [Fact]
    public void With_a_key_only_messages_with_the_right_tag_are_applied()
    {
        byte[] key = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
        byte[] otherKey = key.Select(b => (byte)~b).ToArray();
        var config = LoopbackConfig(RoleMode.Strict) with { HmacKey = key };
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config);
        peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var second = Deposit with { Account = 2 };
        var errors = Run(gate, peer,
        [
            (peer.OrderFlow, Deposit, key),        // 1 applied
            (peer.OrderFlow, second, null),        // 2 no trailer
            (peer.OrderFlow, second, otherKey),    // 3 wrong key
            (peer.OrderFlow, Deposit with { Account = 3 }, key), // 4 applied
        ], 2);
        // Nothing of an unauthenticated message is trusted, not even its sequence: its input_error carries 0.
        Assert.Equal([(0L, DecodeResult.Unauthenticated), (0L, DecodeResult.Unauthenticated)], errors);
        Assert.Equal(2, gate.Counters.AuthenticationFailures.Value);
        Assert.Equal(HashOf(config, Deposit, Deposit with { Account = 3 }), gate.Engine.StateHash());
    }

    [Fact]
    public void A_sender_outside_the_allowlist_never_gets_an_image_and_is_counted()
    {
        var open = LoopbackConfig(RoleMode.Strict);
        var config = open with { OrderFlow = open.OrderFlow with { AllowedSources = SourceAllowlist.Parse("10.9.8.7", "192.168.0.0/16") } };
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config); // sends from 127.0.0.1
        var sw = System.Diagnostics.Stopwatch.StartNew();
        peer.Pump(() => gate.SetupsRefused >= 2 || sw.Elapsed > TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        Assert.True(gate.SetupsRefused >= 2, $"refused {gate.SetupsRefused}");
        Assert.False(peer.OrderFlow.IsConnected); // no SM ever came back
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, gate.Counters.InputsPublished.Value);
    }

    [Fact]
    public void A_sender_inside_the_allowlist_connects()
    {
        var open = LoopbackConfig(RoleMode.Strict);
        var config = open with { OrderFlow = open.OrderFlow with { AllowedSources = SourceAllowlist.Parse("127.0.0.0/8") } };
        using var gate = GateHost.Start(config);
        using var peer = new Peer(config);
        peer.Pump(() => peer.OrderFlow.IsConnected && peer.Decisions.IsConnected, TimeSpan.FromSeconds(10));
        var errors = Run(gate, peer, [(peer.OrderFlow, Deposit, null)], 0);
        Assert.Empty(errors);
        Assert.Equal(0, gate.SetupsRefused);
        Assert.Equal(HashOf(config, Deposit), gate.Engine.StateHash());
    }
}
