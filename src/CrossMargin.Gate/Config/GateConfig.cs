using System.Reflection;
using System.Text.Json;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Gate.Config;

/// <summary>An Aeron channel and stream id, and the sources it accepts images from (null: any).</summary>
public sealed record ChannelConfig(string Channel, int StreamId, SourceAllowlist? AllowedSources = null);

/// <summary>
/// The gate's configuration (native-config/gate.json): capacities, assets, instruments, liquidation
/// parameters, rings, Aeron channels and thread placement. Loading validates everything and fails
/// with a message naming the exact field; an invalid file never starts a gate.
/// </summary>
public sealed record GateConfig
{
    /// <summary>Start-up capacities.</summary>
    public required Capacities Capacities { get; init; }
    /// <summary>Settlement asset id (the first asset).</summary>
    public required string SettlementAsset { get; init; }
    /// <summary>Non-settlement collateral assets.</summary>
    public required IReadOnlyList<AssetSpec> Assets { get; init; }
    /// <summary>Instruments.</summary>
    public required IReadOnlyList<InstrumentSpec> Instruments { get; init; }
    /// <summary>Liquidation fee rate, ppm.</summary>
    public long LiquidationFeeRatePpm { get; init; }
    /// <summary>Liquidation buffer, ppm.</summary>
    public long LiquidationBufferPpm { get; init; }
    /// <summary>Insurance fund opening balance, micro-units.</summary>
    public long InsuranceFund { get; init; }
    /// <summary>How a mark tick finds the parts to re-evaluate (<c>risk.trigger</c>: index, the default, or scan).</summary>
    public TriggerMode Trigger { get; init; } = TriggerMode.Index;
    /// <summary>Inbound ring size (power of two).</summary>
    public int InboundRing { get; init; } = 65536;
    /// <summary>Outbound ring size (power of two).</summary>
    public int OutboundRing { get; init; } = 262144;
    /// <summary>Decision log size in bytes (power of two): decisions wait here for a slow or absent decisions subscriber without stalling the outbound ring.</summary>
    public int DecisionLogBytes { get; init; } = 64 * 1024 * 1024;
    /// <summary>busy-spin | yielding | sleeping | blocking.</summary>
    public string WaitStrategy { get; init; } = "yielding";
    /// <summary>Market data channel (mark and index ticks).</summary>
    public required ChannelConfig MarketData { get; init; }
    /// <summary>Order flow channel (orders, fills, collateral, config).</summary>
    public required ChannelConfig OrderFlow { get; init; }
    /// <summary>Decisions channel (every output event).</summary>
    public required ChannelConfig Decisions { get; init; }
    /// <summary>Admin channel (config and halts); null: off, and no input can change the config or halt trading.</summary>
    public ChannelConfig? Admin { get; init; }
    /// <summary>
    /// Recovery-request channel (<c>aeron.recovery</c>): the gate publishes a RecoveryRequest here for
    /// order-flow inputs missing from a publisher's sequence; the exchange subscribes and sends the range
    /// again on order flow. Null: off, and a gap is counted and skipped as before (no recovery).
    /// </summary>
    public ChannelConfig? Recovery { get; init; }
    /// <summary>
    /// Decision replay-request channel (<c>aeron.decisionReplay</c>): decisions consumers publish a
    /// RecoveryRequest for an output-sequence range here and the gate sends it again from its on-disk
    /// decision log on the decisions stream. Null: off.
    /// </summary>
    public ChannelConfig? DecisionReplay { get; init; }
    /// <summary>Bounds of order-flow gap recovery (<c>recovery</c>).</summary>
    public Host.RecoveryLimits RecoveryLimits { get; init; } = Host.RecoveryLimits.Default;
    /// <summary>Which input kinds each inbound stream accepts (<c>security.roles</c>).</summary>
    public RoleMode Roles { get; init; } = RoleMode.Strict;
    /// <summary>Key file of the HMAC-SHA256 trailer every inbound message must carry (<c>security.hmacKeyFile</c>); null: none.</summary>
    public string? HmacKeyFile { get; init; }
    /// <summary>The key read from <see cref="HmacKeyFile"/> when the config was loaded (never printed).</summary>
    public byte[]? HmacKey { get; init; }
    /// <summary>Aeron MTU.</summary>
    public int Mtu { get; init; } = 1408;
    /// <summary>Aeron term length.</summary>
    public int TermLength { get; init; } = 16 * 1024 * 1024;
    /// <summary>
    /// What a sender's SETUP may ask of the gate's receivers (aeron.limits): default 16 MiB terms, MTU 8 KiB,
    /// 4 images per subscription, 256 MiB of images in all. Outside them a SETUP is refused and counted.
    /// </summary>
    public ReceiverLimits ReceiverLimits { get; init; } = DefaultReceiverLimits;

    /// <summary>The gate's receiver limits when the configuration names none.</summary>
    public static ReceiverLimits DefaultReceiverLimits { get; } = new(16 * 1024 * 1024, 8192, 4, 256L * 1024 * 1024);

    /// <summary>Input journal directory (replayed at start, then appended to); null: no journal.</summary>
    public string? JournalPath { get; init; }
    /// <summary>When journaled inputs are forced to the disk: none | batch | interval:MS.</summary>
    public Journal.DurabilityPolicy JournalDurability { get; init; } = Journal.DurabilityPolicy.None;
    /// <summary>
    /// When the decision log is forced to the disk (<c>journal.decisionDurability</c>); null: as
    /// <see cref="JournalDurability"/>. Under <c>batch</c> a decision is sent only once synced, which on a
    /// shared disk costs milliseconds per round trip; a looser policy here keeps the inputs' guarantee
    /// (the start-up redo rebuilds lost decisions from the journal) at the input journal's latency.
    /// </summary>
    public Journal.DurabilityPolicy? DecisionDurability { get; init; }
    /// <summary>The decision log's policy in force: <see cref="DecisionDurability"/>, else the journal's.</summary>
    public Journal.DurabilityPolicy DecisionLogDurability => DecisionDurability ?? JournalDurability;
    /// <summary>Journal segment size in bytes (a new segment file starts past it).</summary>
    public long JournalSegmentBytes { get; init; } = Journal.JournalFormat.DefaultSegmentBytes;
    /// <summary>When a replica writes snapshots next to the journal (<c>journal.snapshotEvery</c>, <c>journal.snapshotKeep</c>); null: no replica, no new snapshots (existing ones are still used at start).</summary>
    public Host.SnapshotPolicy? JournalSnapshots { get; init; }
    /// <summary>CPU of the poller thread, −1 for none.</summary>
    public int PollerCpu { get; init; } = -1;
    /// <summary>CPU of the risk processor thread, −1 for none.</summary>
    public int RiskCpu { get; init; } = -1;

    /// <summary>The embedded default configuration (a copy of native-config/gate.json).</summary>
    public static string DefaultJson()
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("CrossMargin.Gate.gate.json")
            ?? throw new InvalidOperationException("the default configuration is not embedded");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>Loads the embedded default.</summary>
    public static GateConfig LoadDefault() => Parse(DefaultJson());

    /// <summary>Parses and validates; throws <see cref="GateConfigException"/> naming the bad field.</summary>
    public static GateConfig Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException ex) { throw new GateConfigException($"config: not valid JSON: {ex.Message}"); }
        using (doc)
        {
            var root = new Node(doc.RootElement, "config");
            root.Allow("capacities", "assets", "instruments", "risk", "rings", "aeron", "threads", "journal", "security", "recovery");
            var cap = root.Object("capacities");
            cap.Allow("accounts", "instruments", "assets", "ordersPerAccount", "holdersPerInstrument");
            var capacities = new Capacities
            {
                Accounts = cap.Int("accounts", 1, 50_000_000),
                Instruments = cap.Int("instruments", 1, 256),
                Assets = cap.Int("assets", 1, 64),
                OrdersPerAccount = cap.Int("ordersPerAccount", 1, 100_000),
                HoldersPerInstrument = cap.OptionalInt("holdersPerInstrument", 0, 50_000_001, 0),
            };
            var assets = root.Array("assets");
            if (assets.Count == 0) throw new GateConfigException("config.assets: the settlement asset is required");
            var first = assets[0];
            first.Allow("id");
            var others = new List<AssetSpec>();
            for (int i = 1; i < assets.Count; i++)
            {
                var a = assets[i];
                a.Allow("id", "price", "haircut", "decimals");
                others.Add(new AssetSpec(a.String("id"), a.String("price"), a.String("haircut"), a.Int("decimals", 0, 18)));
            }
            var instruments = new List<InstrumentSpec>();
            foreach (var ins in root.Array("instruments"))
            {
                ins.Allow("id", "tickSize", "lotSize", "brackets", "maxPosition", "maxOrder", "maxPrice", "priceBand", "mark");
                var brackets = new List<BracketSpec>();
                foreach (var b in ins.Array("brackets"))
                {
                    b.Allow("maxNotional", "imr", "mmr");
                    brackets.Add(new BracketSpec(b.String("maxNotional"), b.String("imr"), b.String("mmr")));
                }
                instruments.Add(new InstrumentSpec(ins.String("id"), ins.String("tickSize"), ins.String("lotSize"), brackets,
                    ins.String("maxPosition"), ins.String("maxOrder"), ins.String("maxPrice"), ins.String("priceBand"), ins.String("mark")));
            }
            var risk = root.Object("risk");
            risk.Allow("liquidationFeeRate", "liquidationBuffer", "insuranceFund", "trigger");
            var trigger = TriggerMode.Index;
            if (risk.Has("trigger") && !TriggerModes.TryParse(risk.String("trigger"), out trigger))
                throw new GateConfigException("config.risk.trigger: index | scan");
            if (!Definitions.TryParseRate(risk.String("liquidationFeeRate"), out long fee, out var err)) throw new GateConfigException($"config.risk.liquidationFeeRate: {err}");
            if (!FixedDecimal.TryParse(risk.String("liquidationBuffer"), out var buf) || !buf.TryToScaled(6, out long bufferPpm) || bufferPpm < 0)
                throw new GateConfigException("config.risk.liquidationBuffer: a non-negative rate with at most 6 decimals");
            if (!FixedDecimal.TryParse(risk.String("insuranceFund"), out var fund) || !fund.TryToScaled(6, out long fundMicros) || Math.Abs(fundMicros) >= Money.Bound)
                throw new GateConfigException("config.risk.insuranceFund: an amount with at most 6 decimals below 2^56 micro-units");
            var rings = root.Object("rings");
            rings.Allow("inbound", "outbound", "decisionLog", "waitStrategy");
            int inbound = rings.PowerOfTwo("inbound"), outbound = rings.PowerOfTwo("outbound");
            string wait = rings.String("waitStrategy");
            if (wait is not ("busy-spin" or "yielding" or "sleeping" or "blocking"))
                throw new GateConfigException($"config.rings.waitStrategy: '{wait}' is not one of busy-spin, yielding, sleeping, blocking");
            var aeron = root.Object("aeron");
            aeron.Allow("marketData", "orderFlow", "decisions", "admin", "recovery", "decisionReplay", "mtu", "termLength", "limits");
            var threads = root.Object("threads");
            threads.Allow("pollerCpu", "riskCpu");
            var config = new GateConfig
            {
                Capacities = capacities, SettlementAsset = first.String("id"), Assets = others, Instruments = instruments,
                LiquidationFeeRatePpm = fee, LiquidationBufferPpm = bufferPpm, InsuranceFund = fundMicros, Trigger = trigger,
                InboundRing = inbound, OutboundRing = outbound, WaitStrategy = wait,
                DecisionLogBytes = rings.Has("decisionLog") ? rings.PowerOfTwo("decisionLog") : 64 * 1024 * 1024,
                MarketData = aeron.Channel("marketData"), OrderFlow = aeron.Channel("orderFlow"), Decisions = aeron.Channel("decisions"),
                Mtu = aeron.Int("mtu", 64, 65504), TermLength = aeron.PowerOfTwo("termLength"),
                PollerCpu = threads.Int("pollerCpu", -1, 4095), RiskCpu = threads.Int("riskCpu", -1, 4095),
            };
            if (aeron.Has("limits")) config = config with { ReceiverLimits = aeron.Limits("limits") };
            if (aeron.Has("admin")) config = config with { Admin = aeron.Channel("admin") };
            if (aeron.Has("recovery")) config = config with { Recovery = aeron.Channel("recovery") };
            if (aeron.Has("decisionReplay")) config = config with { DecisionReplay = aeron.Channel("decisionReplay") };
            if (root.Has("recovery"))
            {
                var recovery = root.Object("recovery");
                recovery.Allow("bufferMessages", "buffers", "timeoutMs", "retries");
                var d = Host.RecoveryLimits.Default;
                config = config with
                {
                    RecoveryLimits = new Host.RecoveryLimits(
                        recovery.Has("bufferMessages") ? recovery.PowerOfTwo("bufferMessages") : d.BufferMessages,
                        recovery.OptionalInt("buffers", 1, 256, d.Buffers),
                        recovery.OptionalInt("timeoutMs", 1, 600_000, d.TimeoutMs),
                        recovery.OptionalInt("retries", 0, 1000, d.Retries)),
                };
            }
            if (root.Has("security"))
            {
                var security = root.Object("security");
                security.Allow("roles", "hmacKeyFile");
                if (security.Has("roles"))
                {
                    config = config with
                    {
                        Roles = security.String("roles") switch
                        {
                            "strict" => RoleMode.Strict,
                            "scenario" => RoleMode.Scenario,
                            var other => throw new GateConfigException($"config.security.roles: '{other}' is not one of strict, scenario"),
                        },
                    };
                }
                if (security.Has("hmacKeyFile"))
                {
                    string keyFile = security.String("hmacKeyFile");
                    byte[] key = CrossMargin.Messages.MessageAuthentication.TryReadKeyFile(keyFile, out string? problem)
                        ?? throw new GateConfigException($"config.security.hmacKeyFile: {problem}");
                    config = config with { HmacKeyFile = keyFile, HmacKey = key };
                }
            }
            if (root.Has("journal"))
            {
                var journal = root.Object("journal");
                journal.Allow("path", "durability", "decisionDurability", "segmentSize", "snapshotEvery", "snapshotKeep");
                config = config.WithJournal(journal.String("path"));
                if (journal.Has("durability"))
                {
                    if (!Journal.DurabilityPolicy.TryParse(journal.String("durability"), out var policy, out var why))
                        throw new GateConfigException($"config.journal.durability: {why}");
                    config = config with { JournalDurability = policy };
                }
                if (journal.Has("decisionDurability"))
                {
                    if (!Journal.DurabilityPolicy.TryParse(journal.String("decisionDurability"), out var policy, out var why))
                        throw new GateConfigException($"config.journal.decisionDurability: {why}");
                    config = config with { DecisionDurability = policy };
                }
                if (journal.Has("segmentSize"))
                    config = config with { JournalSegmentBytes = journal.Int("segmentSize", 4096, int.MaxValue) };
                if (journal.Has("snapshotEvery"))
                {
                    int keep = journal.OptionalInt("snapshotKeep", 1, 1000, 3);
                    string every = journal.Has("snapshotEvery") && journal.IsNumber("snapshotEvery")
                        ? journal.Int("snapshotEvery", 1, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture) : journal.String("snapshotEvery");
                    if (!Host.SnapshotPolicy.TryParse(every, keep, out var snapshots, out var why))
                        throw new GateConfigException($"config.journal.snapshotEvery: {why}");
                    config = config with { JournalSnapshots = snapshots };
                }
                else if (journal.Has("snapshotKeep")) throw new GateConfigException("config.journal.snapshotKeep: only with journal.snapshotEvery");
            }
            config.BuildEngine(); // proves every definition (incl. the overflow bound) before a gate starts
            var problems = GateConfigCheck.ForRun(config); // and everything else `run` needs (config means run)
            if (problems.Count > 0) throw new GateConfigException(problems[0] + (problems.Count > 1 ? $" (and {problems.Count - 1} more problem{(problems.Count > 2 ? "s" : "")})" : ""));
            return config;
        }
    }

    /// <summary>A copy of this configuration journaling to the directory <paramref name="path"/> (null: no journal).</summary>
    public GateConfig WithJournal(string? path) => this with { JournalPath = path };

    /// <summary>Creates an engine with every asset and instrument defined and the risk parameters applied.</summary>
    public RiskEngine BuildEngine(KernelMode kernel = KernelMode.Auto)
    {
        RiskEngine engine;
        try { engine = new RiskEngine(Capacities, kernel, Trigger); }
        catch (ArgumentException ex) { throw new GateConfigException($"config.{ex.Message}"); }
        if (!engine.DefineSettlementAsset(SettlementAsset, out var e)) throw new GateConfigException($"config.assets[0]: {e}");
        for (int i = 0; i < Assets.Count; i++)
            if (!engine.TryDefineAsset(Assets[i], out e)) throw new GateConfigException($"config.assets[{i + 1}]: {e}");
        for (int i = 0; i < Instruments.Count; i++)
            if (!engine.TryDefineInstrument(Instruments[i], out e)) throw new GateConfigException($"config.instruments[{i}]: {e}");
        var status = engine.Process(new RiskInput
        {
            Kind = InputKind.Config, LiquidationFeeRatePpm = LiquidationFeeRatePpm, LiquidationBufferPpm = LiquidationBufferPpm, Amount = InsuranceFund,
        });
        if (status != ProcessStatus.Applied) throw new GateConfigException($"config.risk: {ProcessStatusText.Describe(status)}");
        return engine;
    }

    /// <summary>A JSON element with its path, for messages that name the exact field.</summary>
    private readonly struct Node(JsonElement element, string path)
    {
        public void Allow(params string[] keys)
        {
            if (element.ValueKind != JsonValueKind.Object) throw new GateConfigException($"{path}: must be an object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in element.EnumerateObject())
            {
                if (System.Array.IndexOf(keys, p.Name) < 0) throw new GateConfigException($"{path}.{p.Name}: unknown key (expected one of {string.Join(", ", keys)})");
                if (!seen.Add(p.Name)) throw new GateConfigException($"{path}.{p.Name}: duplicate key");
            }
        }

        private JsonElement Get(string key) =>
            element.TryGetProperty(key, out var v) ? v : throw new GateConfigException($"{path}.{key}: missing");

        public Node Object(string key)
        {
            var v = Get(key);
            return v.ValueKind == JsonValueKind.Object ? new Node(v, $"{path}.{key}") : throw new GateConfigException($"{path}.{key}: must be an object");
        }

        public List<Node> Array(string key)
        {
            var v = Get(key);
            if (v.ValueKind != JsonValueKind.Array) throw new GateConfigException($"{path}.{key}: must be an array");
            var list = new List<Node>();
            int i = 0;
            foreach (var item in v.EnumerateArray()) list.Add(new Node(item, $"{path}.{key}[{i++}]"));
            return list;
        }

        public string String(string key)
        {
            var v = Get(key);
            return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new GateConfigException($"{path}.{key}: must be a string");
        }

        public int Int(string key, int min, int max)
        {
            var v = Get(key);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < min || n > max)
                throw new GateConfigException($"{path}.{key}: must be an integer in {min}..{max}");
            return n;
        }

        public int OptionalInt(string key, int min, int max, int fallback) => element.TryGetProperty(key, out _) ? Int(key, min, max) : fallback;

        public bool Has(string key) => element.TryGetProperty(key, out _);

        public bool IsNumber(string key) => element.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number;

        /// <summary>This element as a string (an array item).</summary>
        public string Text() => element.ValueKind == JsonValueKind.String ? element.GetString()! : throw new GateConfigException($"{path}: must be a string");

        public bool Bool(string key)
        {
            var v = Get(key);
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new GateConfigException($"{path}.{key}: must be true or false"),
            };
        }

        public int PowerOfTwo(string key)
        {
            int n = Int(key, 2, 1 << 30);
            return (n & (n - 1)) == 0 ? n : throw new GateConfigException($"{path}.{key}: must be a power of two");
        }

        public ReceiverLimits Limits(string key)
        {
            var l = Object(key);
            l.Allow("maxTermLength", "maxMtu", "maxImagesPerSubscription", "maxTermMemoryMiB");
            var d = DefaultReceiverLimits;
            var limits = new ReceiverLimits(
                l.Has("maxTermLength") ? l.PowerOfTwo("maxTermLength") : d.MaxTermLength,
                l.OptionalInt("maxMtu", 64, 65504, d.MaxMtu),
                l.OptionalInt("maxImagesPerSubscription", 1, 1024, d.MaxImagesPerSubscription),
                l.OptionalInt("maxTermMemoryMiB", 1, 1 << 20, (int)(d.MaxTermMemory >> 20)) * (1L << 20));
            return limits.Problem() is { } problem ? throw new GateConfigException($"{path}.{key}.{problem}") : limits;
        }

        public ChannelConfig Channel(string key)
        {
            var c = Object(key);
            c.Allow("channel", "streamId", "allowedSources");
            string uri = c.String("channel");
            if (!uri.StartsWith("aeron:udp?", StringComparison.Ordinal)) throw new GateConfigException($"{path}.{key}.channel: must be an aeron:udp?… URI");
            SourceAllowlist? allowed = null;
            if (c.Has("allowedSources"))
            {
                var entries = c.Array("allowedSources");
                var texts = new List<string>();
                foreach (var e in entries) texts.Add(e.Text());
                allowed = SourceAllowlist.TryParse(texts, out int bad, out string? problem);
                if (allowed is null)
                    throw new GateConfigException(bad >= 0 ? $"{path}.{key}.allowedSources[{bad}]: '{texts[bad]}' {problem}" : $"{path}.{key}.allowedSources: {problem}");
            }
            return new ChannelConfig(uri, c.Int("streamId", int.MinValue, int.MaxValue), allowed);
        }
    }
}

/// <summary>An invalid gate configuration; the message names the field.</summary>
public sealed class GateConfigException(string message) : Exception(message);
