using System.Globalization;
using System.Text;
using System.Text.Json;
using CrossMargin.Core.Model;
using CrossMargin.Scenario;

namespace CrossMargin.Gate.Config;

/// <summary>
/// Translations between a gate configuration's definitions (assets, instruments) and the scenario
/// format's definition lines: a gate that runs a scenario's instruments, and the definition lines
/// that describe a gate's instruments (so <c>send</c> can parse inputs against them).
/// </summary>
public static class GateConfigTemplate
{
    private static readonly JsonDocumentOptions Strict = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// A gate configuration (JSON) whose assets and instruments are the definition lines of
    /// <paramref name="lines"/>, with capacities as the scenario CLI gives the same file, a zero
    /// insurance fund and zero liquidation rates (the scenario's <c>config</c> lines are inputs and
    /// travel over the wire), and loopback channels on the given ports.
    /// </summary>
    public static string FromScenario(IReadOnlyList<string> lines, int marketDataPort, int orderFlowPort, int decisionsPort)
    {
        var assets = new List<JsonElement>();
        var instruments = new List<JsonElement>();
        var docs = new List<JsonDocument>();
        try
        {
            for (int n = 0; n < lines.Count; n++)
            {
                if (string.IsNullOrWhiteSpace(lines[n])) continue;
                JsonDocument doc;
                try { doc = JsonDocument.Parse(lines[n], Strict); }
                catch (JsonException) { continue; } // not a definition: the scenario's own error, reported when it runs
                docs.Add(doc);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) continue;
                if (type.GetString() == "asset") assets.Add(root);
                else if (type.GetString() == "instrument") instruments.Add(root);
            }
            if (assets.Count == 0) throw new GateConfigException("no settlement asset: the scenario defines no {\"type\":\"asset\"} line");
            var caps = ScenarioRunner.CapacitiesFor(lines);
            var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteStartObject("capacities");
                w.WriteNumber("accounts", caps.Accounts);
                w.WriteNumber("instruments", Math.Max(caps.Instruments, instruments.Count));
                w.WriteNumber("assets", Math.Max(caps.Assets, assets.Count));
                w.WriteNumber("ordersPerAccount", caps.OrdersPerAccount);
                w.WriteNumber("holdersPerInstrument", 0);
                w.WriteEndObject();
                w.WriteStartArray("assets");
                foreach (var a in assets) WriteWithoutType(w, a);
                w.WriteEndArray();
                w.WriteStartArray("instruments");
                foreach (var i in instruments) WriteWithoutType(w, i);
                w.WriteEndArray();
                w.WriteStartObject("risk");
                w.WriteString("liquidationFeeRate", "0");
                w.WriteString("liquidationBuffer", "0");
                w.WriteString("insuranceFund", "0");
                w.WriteEndObject();
                w.WriteStartObject("rings");
                w.WriteNumber("inbound", 1024);
                w.WriteNumber("outbound", 4096);
                w.WriteString("waitStrategy", "sleeping");
                w.WriteEndObject();
                w.WriteStartObject("aeron");
                WriteChannel(w, "marketData", marketDataPort, 1001);
                WriteChannel(w, "orderFlow", orderFlowPort, 1002);
                WriteChannel(w, "decisions", decisionsPort, 1003);
                w.WriteNumber("mtu", 1408);
                w.WriteNumber("termLength", 1 << 20);
                w.WriteEndObject();
                // send puts every input of the file on order flow (one stream, the file's order): let it.
                w.WriteStartObject("security");
                w.WriteString("roles", "scenario");
                w.WriteEndObject();
                w.WriteStartObject("threads");
                w.WriteNumber("pollerCpu", -1);
                w.WriteNumber("riskCpu", -1);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
        }
        finally
        {
            foreach (var d in docs) d.Dispose();
        }
    }

    private static void WriteChannel(Utf8JsonWriter w, string name, int port, int streamId)
    {
        w.WriteStartObject(name);
        w.WriteString("channel", $"aeron:udp?endpoint=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        w.WriteNumber("streamId", streamId);
        w.WriteEndObject();
    }

    private static void WriteWithoutType(Utf8JsonWriter w, JsonElement e)
    {
        w.WriteStartObject();
        foreach (var p in e.EnumerateObject())
            if (p.Name != "type") p.WriteTo(w);
        w.WriteEndObject();
    }

    /// <summary>The scenario definition lines of <paramref name="config"/>'s assets (settlement first) and instruments, in index order.</summary>
    public static (List<string> Assets, List<string> Instruments) DefinitionLines(GateConfig config)
    {
        var assets = new List<string> { Line(w => { w.WriteString("type", "asset"); w.WriteString("id", config.SettlementAsset); }) };
        foreach (AssetSpec a in config.Assets)
            assets.Add(Line(w =>
            {
                w.WriteString("type", "asset"); w.WriteString("id", a.Id); w.WriteString("price", a.Price);
                w.WriteString("haircut", a.Haircut); w.WriteNumber("decimals", a.Decimals);
            }));
        var instruments = new List<string>();
        foreach (InstrumentSpec i in config.Instruments)
            instruments.Add(Line(w =>
            {
                w.WriteString("type", "instrument"); w.WriteString("id", i.Id); w.WriteString("tickSize", i.TickSize); w.WriteString("lotSize", i.LotSize);
                w.WriteStartArray("brackets");
                foreach (var b in i.Brackets)
                {
                    w.WriteStartObject(); w.WriteString("maxNotional", b.MaxNotional); w.WriteString("imr", b.Imr); w.WriteString("mmr", b.Mmr); w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("maxPosition", i.MaxPosition); w.WriteString("maxOrder", i.MaxOrder); w.WriteString("maxPrice", i.MaxPrice);
                w.WriteString("priceBand", i.PriceBand); w.WriteString("mark", i.Mark);
            }));
        return (assets, instruments);
    }

    private static string Line(Action<Utf8JsonWriter> body)
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>
    /// Whether two definition lines define the same thing: the same keys with the same values,
    /// decimals compared by value ("0.10" = "0.1"). Null when they do; otherwise the first differing key.
    /// </summary>
    public static string? Difference(string line, string reference)
    {
        using var a = JsonDocument.Parse(line, Strict);
        using var b = JsonDocument.Parse(reference, Strict);
        return Difference(a.RootElement, b.RootElement, "");
    }

    private static string? Difference(JsonElement a, JsonElement b, string path)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in a.EnumerateObject()) keys.Add(p.Name);
            foreach (var p in b.EnumerateObject()) keys.Add(p.Name);
            foreach (var k in keys.Order(StringComparer.Ordinal))
            {
                string sub = path.Length == 0 ? k : $"{path}.{k}";
                if (!a.TryGetProperty(k, out var av) || !b.TryGetProperty(k, out var bv)) return sub;
                if (Difference(av, bv, sub) is { } d) return d;
            }
            return null;
        }
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array)
        {
            if (a.GetArrayLength() != b.GetArrayLength()) return path;
            int i = 0;
            using var ea = a.EnumerateArray().GetEnumerator();
            using var eb = b.EnumerateArray().GetEnumerator();
            while (ea.MoveNext() && eb.MoveNext())
                if (Difference(ea.Current, eb.Current, $"{path}[{i++}]") is { } d) return d;
            return null;
        }
        if (a.ValueKind != b.ValueKind) return path;
        string x = a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText();
        string y = b.ValueKind == JsonValueKind.String ? b.GetString()! : b.GetRawText();
        if (x == y) return null;
        const NumberStyles number = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;
        return decimal.TryParse(x, number, CultureInfo.InvariantCulture, out var dx) && decimal.TryParse(y, number, CultureInfo.InvariantCulture, out var dy) && dx == dy
            ? null : path;
    }
}
