using CrossMargin.Gate.Config;

namespace CrossMargin.Gate.Tests;

public class GateConfigTests
{
    [Fact]
    public void The_embedded_default_configuration_loads_and_builds_an_engine()
    {
        var config = GateConfig.LoadDefault();
        var engine = config.BuildEngine();
        Assert.Equal("USD", config.SettlementAsset);
        Assert.Equal(2, engine.InstrumentCount);
        Assert.Equal(3, engine.AssetCount);
        Assert.Equal(250_000_000_000, engine.FundBalance);
        Assert.Equal("yielding", config.WaitStrategy);
    }

    [Fact]
    public void The_embedded_default_is_the_file_in_native_config()
    {
        string dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "native-config", "gate.json"))) dir = Path.GetDirectoryName(dir)!;
        Assert.NotNull(dir);
        Assert.Equal(File.ReadAllText(Path.Combine(dir!, "native-config", "gate.json")), GateConfig.DefaultJson());
    }

    [Theory]
    [InlineData("\"ordersPerAccount\": 16", "\"ordersPerAccount\": 0", "config.capacities.ordersPerAccount")]
    [InlineData("\"inbound\": 65536", "\"inbound\": 60000", "config.rings.inbound: must be a power of two")]
    [InlineData("\"waitStrategy\": \"yielding\"", "\"waitStrategy\": \"spin\"", "config.rings.waitStrategy")]
    [InlineData("\"outbound\": 262144,", "\"outbound\": 262144, \"decisionLog\": 3000,", "config.rings.decisionLog: must be a power of two")]
    [InlineData("\"outbound\": 262144,", "\"outbound\": 262144, \"decisionLog\": 512,", "config.rings.decisionLog: 512 must be a power of two of at least 1024 bytes")]
    [InlineData("\"maxPrice\": \"1000000\"", "\"maxPrice\": \"100000000000\"", "config.instruments[0]: instrument BTC-PERP: notional(maxPosition, maxPrice)")]
    [InlineData("\"imr\": \"0.01\"", "\"imr\": \"0.001\"", "config.instruments[0]: instrument BTC-PERP: bracket 1: mmr must not exceed imr")]
    [InlineData("\"haircut\": \"0.1\"", "\"haircut\": \"1.5\"", "config.assets[1]: asset BTC: haircut")]
    [InlineData("\"streamId\": 1001", "\"streamId\": \"x\"", "config.aeron.marketData.streamId")]
    [InlineData("\"liquidationBuffer\": \"0.1\"", "\"liquidationBuffer\": \"0.1\", \"extra\": 1", "config.risk.extra: unknown key")]
    [InlineData("\"channel\": \"aeron:udp?endpoint=127.0.0.1:40456\"", "\"channel\": \"udp://x\"", "config.aeron.marketData.channel")]
    // Receiver limits (issue 10, bounded resources).
    [InlineData("\"maxTermLength\": 16777216", "\"maxTermLength\": 16777215", "config.aeron.limits.maxTermLength: must be a power of two")]
    [InlineData("\"maxTermLength\": 16777216", "\"maxTermLength\": 4096", "config.aeron.limits.maxTermLength: 4096 is not a power of two in 65536..1073741824")]
    [InlineData("\"maxMtu\": 8192", "\"maxMtu\": 70000", "config.aeron.limits.maxMtu: must be an integer in 64..65504")]
    [InlineData("\"maxImagesPerSubscription\": 4", "\"maxImagesPerSubscription\": 0", "config.aeron.limits.maxImagesPerSubscription: must be an integer in 1..1024")]
    [InlineData("\"maxTermMemoryMiB\": 256", "\"maxTermMemoryMiB\": 0", "config.aeron.limits.maxTermMemoryMiB: must be an integer in 1..1048576")]
    [InlineData("\"maxTermMemoryMiB\": 256", "\"maxTermMemory\": 256", "config.aeron.limits.maxTermMemory: unknown key")]
    // Stream roles and sources (issue 10, items 1 and 2).
    [InlineData("\"streamId\": 1002 }", "\"streamId\": 1002, \"allowedSources\": [\"10.0.0.0/40\"] }", "config.aeron.orderFlow.allowedSources[0]: '10.0.0.0/40' the prefix length")]
    [InlineData("\"streamId\": 1002 }", "\"streamId\": 1002, \"allowedSources\": [\"10.0.0.1\", \"host.example\"] }", "config.aeron.orderFlow.allowedSources[1]: 'host.example' not an IPv4 address")]
    [InlineData("\"streamId\": 1002 }", "\"streamId\": 1002, \"allowedSources\": [] }", "config.aeron.orderFlow.allowedSources: an empty allowlist refuses everyone")]
    [InlineData("\"streamId\": 1002 }", "\"streamId\": 1002, \"allowedSources\": [1] }", "config.aeron.orderFlow.allowedSources[0]: must be a string")]
    [InlineData("\"threads\": {", "\"security\": { \"roles\": \"open\" }, \"threads\": {", "config.security.roles: 'open' is not one of strict, scenario")]
    [InlineData("\"threads\": {", "\"security\": { \"hmacKeyFile\": \"/nonexistent/key\" }, \"threads\": {", "config.security.hmacKeyFile: cannot read key file '/nonexistent/key'")]
    [InlineData("\"threads\": {", "\"security\": { \"auth\": 1 }, \"threads\": {", "config.security.auth: unknown key")]
    [InlineData("\"mtu\": 1408,", "\"admin\": { \"channel\": \"aeron:udp?endpoint=127.0.0.1:40457\", \"streamId\": 1004 }, \"mtu\": 1408,", "config.aeron.admin.channel: port 40457 is already used by config.aeron.orderFlow")]
    public void An_invalid_configuration_is_refused_with_a_message_naming_the_field(string from, string to, string expected)
    {
        string json = GateConfig.DefaultJson();
        Assert.Contains(from, json);
        var ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse(json.Replace(from, to)));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_decision_log_size_is_read_from_the_rings_section_and_defaults_to_64_MiB()
    {
        string json = GateConfig.DefaultJson();
        Assert.Equal(64 * 1024 * 1024, GateConfig.Parse(json).DecisionLogBytes);
        Assert.Equal(1 << 20, GateConfig.Parse(json.Replace("\"outbound\": 262144,", "\"outbound\": 262144, \"decisionLog\": 1048576,")).DecisionLogBytes);
    }

    [Fact]
    public void Text_that_is_not_json_is_refused_clearly()
    {
        var ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse("{ capacities: "));
        Assert.StartsWith("config: not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    private static readonly string JournalPathForTest = Path.Combine(Path.GetTempPath(), "cm-config-test-journal");

    [Fact]
    public void A_journal_section_is_read_and_checked()
    {
        string json = GateConfig.DefaultJson().Replace("\"threads\":", "\"journal\": { \"path\": \"" + JournalPathForTest + "\", \"durability\": \"interval:5\", \"segmentSize\": 1048576 },\n  \"threads\":");
        var config = GateConfig.Parse(json);
        Assert.Equal(JournalPathForTest, config.JournalPath);
        Assert.Equal(Journal.DurabilityPolicy.Interval(5), config.JournalDurability);
        Assert.Equal(Journal.DurabilityPolicy.Interval(5), config.DecisionLogDurability); // by default the journal's
        Assert.Equal(Journal.DurabilityPolicy.None, GateConfig.Parse(json.Replace("\"segmentSize\"", "\"decisionDurability\": \"none\", \"segmentSize\"")).DecisionLogDurability);
        Assert.StartsWith("config.journal.decisionDurability: 'fast' is not one of none, batch, interval:MS",
            Assert.Throws<GateConfigException>(() => GateConfig.Parse(json.Replace("\"segmentSize\"", "\"decisionDurability\": \"fast\", \"segmentSize\""))).Message, StringComparison.Ordinal);
        Assert.Equal(1 << 20, config.JournalSegmentBytes);
        var ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse(json.Replace("interval:5", "interval:0")));
        Assert.StartsWith("config.journal.durability: 'interval:0' is not one of none, batch, interval:MS", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse(json.Replace("1048576", "100")));
        Assert.StartsWith("config.journal.segmentSize", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<GateConfigException>(() => GateConfig.Parse(json.Replace("\"durability\"", "\"fsync\"")));
        Assert.StartsWith("config.journal.fsync: unknown key", ex.Message, StringComparison.Ordinal);
        Assert.Null(GateConfig.LoadDefault().JournalPath);
        Assert.Equal(Journal.DurabilityPolicy.None, GateConfig.LoadDefault().JournalDurability);
    }

    [Fact]
    public void Roles_default_to_strict_and_the_admin_channel_to_off()
    {
        var config = GateConfig.LoadDefault();
        Assert.Equal(RoleMode.Strict, config.Roles);
        Assert.Null(config.Admin);
        Assert.Null(config.HmacKey);
        Assert.Null(config.OrderFlow.AllowedSources);
    }

    [Fact]
    public void Admin_channel_allowlists_roles_and_key_file_are_read()
    {
        string key = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(key, Enumerable.Range(0, 40).Select(i => (byte)i).ToArray());
            string json = GateConfig.DefaultJson()
                .Replace("\"streamId\": 1002 }", "\"streamId\": 1002, \"allowedSources\": [\"10.0.0.0/8\", \"192.168.1.7\"] }")
                .Replace("\"mtu\": 1408,", "\"admin\": { \"channel\": \"aeron:udp?endpoint=127.0.0.1:40459\", \"streamId\": 1004, \"allowedSources\": [\"127.0.0.1\"] }, \"mtu\": 1408,")
                .Replace("\"threads\": {", $"\"security\": {{ \"roles\": \"scenario\", \"hmacKeyFile\": \"{key}\" }}, \"threads\": {{");
            var config = GateConfig.Parse(json);
            Assert.Equal(["10.0.0.0/8", "192.168.1.7"], config.OrderFlow.AllowedSources!.Entries);
            Assert.Equal(1004, config.Admin!.StreamId);
            Assert.Equal(["127.0.0.1"], config.Admin.AllowedSources!.Entries);
            Assert.Equal(RoleMode.Scenario, config.Roles);
            Assert.Equal(40, config.HmacKey!.Length);
        }
        finally { File.Delete(key); }
    }

    [Fact]
    public void Recovery_channels_and_bounds_are_read_off_by_default_and_checked()
    {
        var plain = GateConfig.LoadDefault();
        Assert.Null(plain.Recovery);
        Assert.Null(plain.DecisionReplay);
        Assert.Equal(CrossMargin.Gate.Host.RecoveryLimits.Default, plain.RecoveryLimits);
        string With(string recovery) => GateConfig.DefaultJson()
            .Replace("\"mtu\": 1408,", "\"recovery\": { \"channel\": \"aeron:udp?endpoint=127.0.0.1:40459\", \"streamId\": 1004 }, " +
                                       "\"decisionReplay\": { \"channel\": \"aeron:udp?endpoint=127.0.0.1:40460\", \"streamId\": 1005, \"allowedSources\": [\"127.0.0.1\"] }, \"mtu\": 1408,")
            .Replace("\"threads\": {", recovery + " \"threads\": {");
        var config = GateConfig.Parse(With("\"recovery\": { \"bufferMessages\": 1024, \"buffers\": 2, \"timeoutMs\": 50, \"retries\": 3 },"));
        Assert.Equal((1004, 1005), (config.Recovery!.StreamId, config.DecisionReplay!.StreamId));
        Assert.Equal(["127.0.0.1"], config.DecisionReplay.AllowedSources!.Entries);
        Assert.Equal(new CrossMargin.Gate.Host.RecoveryLimits(1024, 2, 50, 3), config.RecoveryLimits);
        Assert.Contains("config.recovery.bufferMessages: must be a power of two",
            Assert.Throws<GateConfigException>(() => GateConfig.Parse(With("\"recovery\": { \"bufferMessages\": 1000 },"))).Message);
        Assert.Contains("config.recovery.bufers: unknown key",
            Assert.Throws<GateConfigException>(() => GateConfig.Parse(With("\"recovery\": { \"bufers\": 2 },"))).Message, StringComparison.OrdinalIgnoreCase);
        // Every channel of the gate needs its own port.
        Assert.Contains("config.aeron.recovery.channel: port 40458 is already used",
            Assert.Throws<GateConfigException>(() => GateConfig.Parse(With("").Replace("127.0.0.1:40459", "127.0.0.1:40458"))).Message);
    }

    [Fact]
    public void A_config_made_from_a_scenario_accepts_every_kind_on_order_flow()
    {
        string file = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.jsonl").Order().First(f => !f.EndsWith(".expected.jsonl", StringComparison.Ordinal));
        var config = GateConfig.Parse(GateConfigTemplate.FromScenario(File.ReadAllLines(file), 41000, 41001, 41002));
        Assert.Equal(RoleMode.Scenario, config.Roles);
    }

    [Fact]
    public void Every_input_kind_belongs_to_exactly_one_stream_role()
    {
        foreach (var kind in Enum.GetValues<CrossMargin.Core.Engine.InputKind>())
        {
            int roles = (StreamRoles.Accepts(StreamRoles.MarketData, kind) ? 1 : 0) + (StreamRoles.Accepts(StreamRoles.OrderFlow, kind) ? 1 : 0)
                + (StreamRoles.Accepts(StreamRoles.Admin, kind) ? 1 : 0);
            Assert.True(kind == CrossMargin.Core.Engine.InputKind.None ? roles == 0 : roles == 1, $"{kind} is in {roles} roles");
        }
        Assert.True(StreamRoles.Accepts(StreamRoles.MarketData, CrossMargin.Core.Engine.InputKind.Funding));
        Assert.True(StreamRoles.Accepts(StreamRoles.Admin, CrossMargin.Core.Engine.InputKind.Halt));
        Assert.False(StreamRoles.Accepts(StreamRoles.OrderFlow, CrossMargin.Core.Engine.InputKind.Config));
    }
}
