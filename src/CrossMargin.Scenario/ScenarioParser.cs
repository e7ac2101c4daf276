using System.Text.Json;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Scenario;

/// <summary>What one scenario line turned out to be.</summary>
public enum LineKind
{
    /// <summary>A blank line (skipped, but counted).</summary>
    Blank,
    /// <summary>A definition (asset, instrument) that the parser applied to the engine.</summary>
    Definition,
    /// <summary>An input for <see cref="RiskEngine.Process"/>.</summary>
    Input,
}

/// <summary>
/// Strict parser of the scenario JSON-lines format (scenario-format.md) into engine inputs.
/// Unknown or duplicate keys, wrong JSON types, bad decimals, off-tick marks and fills, unknown
/// ids where the engine cannot answer with a reject, are errors with a specific message.
/// Off-lot or unusable order quantities and prices are not errors: they become rejects.
/// </summary>
public sealed class ScenarioParser(RiskEngine engine)
{
    private readonly RiskEngine _engine = engine;
    private bool _sawFirst;

    /// <summary>Instrument id of the last parsed input when it named an unknown instrument (for the reject text).</summary>
    public string? LastInstrumentId { get; private set; }

    /// <summary>Parses one line. On failure returns false with <paramref name="error"/> set.</summary>
    public bool TryParse(string line, out LineKind kind, out RiskInput input, out string? error)
    {
        kind = LineKind.Blank; input = default; error = null;
        if (string.IsNullOrWhiteSpace(line)) return true;
        try
        {
            using var doc = JsonDocument.Parse(line, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "a line must be one JSON object"; return false; }
            var fields = new Fields(root);
            if (fields.Duplicate is { } dup) { error = $"duplicate key '{dup}'"; return false; }
            string type = fields.String("type");
            bool first = !_sawFirst;
            _sawFirst = true;
            if (first && !(type == "asset" && fields.Count == 2))
            { error = "the first line must define the settlement asset: {\"type\":\"asset\",\"id\":\"…\"}"; return false; }
            kind = LineKind.Input;
            LastInstrumentId = null;
            switch (type)
            {
                case "asset": kind = LineKind.Definition; DefineAsset(fields, first); break;
                case "instrument": kind = LineKind.Definition; DefineInstrument(fields); break;
                case "config": input = Config(fields); break;
                case "deposit": input = Collateral(fields, InputKind.Deposit); break;
                case "withdraw": input = Collateral(fields, InputKind.Withdraw); break;
                case "mark": input = Mark(fields); break;
                case "index": input = Index(fields); break;
                case "order": input = Order(fields); break;
                case "cancel":
                    fields.Allow("type", "account", "orderId");
                    input = new RiskInput { Kind = InputKind.Cancel, Account = fields.Id("account"), OrderId = fields.Id("orderId") };
                    break;
                case "fill": input = Fill(fields); break;
                case "funding": input = Funding(fields); break;
                case "halt": input = Halt(fields); break;
                case "margin_mode": input = MarginMode(fields); break;
                case "isolate": input = Isolate(fields); break;
                case "query":
                    fields.Allow("type", "account");
                    input = new RiskInput { Kind = InputKind.Query, Account = fields.Id("account") };
                    break;
                case "fund":
                    fields.Allow("type");
                    input = new RiskInput { Kind = InputKind.FundQuery };
                    break;
                default: throw new ScenarioException($"unknown type '{type}'");
            }
            return true;
        }
        catch (JsonException ex) { error = $"malformed JSON: {ex.Message}"; }
        catch (ScenarioException ex) { error = ex.Message; }
        catch (InvalidOperationException) { error = "a string is not valid UTF-16 text (a lone surrogate escape such as \\ud800)"; }
        kind = LineKind.Blank;
        return false;
    }

    private void DefineAsset(Fields f, bool first)
    {
        if (first)
        {
            f.Allow("type", "id");
            if (!_engine.DefineSettlementAsset(f.String("id"), out var e)) throw new ScenarioException(e!);
            return;
        }
        f.Allow("type", "id", "price", "haircut", "decimals");
        var spec = new AssetSpec(f.String("id"), f.DecimalString("price"), f.DecimalString("haircut"), (int)f.Integer("decimals", 0, 18));
        if (!_engine.TryDefineAsset(spec, out var error)) throw new ScenarioException(error!);
    }

    private void DefineInstrument(Fields f)
    {
        f.Allow("type", "id", "tickSize", "lotSize", "brackets", "maxPosition", "maxOrder", "maxPrice", "priceBand", "mark");
        var arr = f.Get("brackets");
        if (arr.ValueKind != JsonValueKind.Array) throw new ScenarioException("'brackets' must be an array");
        var brackets = new List<BracketSpec>();
        foreach (var b in arr.EnumerateArray())
        {
            if (b.ValueKind != JsonValueKind.Object) throw new ScenarioException("a bracket must be an object");
            var bf = new Fields(b);
            if (bf.Duplicate is { } dup) throw new ScenarioException($"duplicate key '{dup}' in a bracket");
            bf.Allow("maxNotional", "imr", "mmr");
            brackets.Add(new BracketSpec(bf.DecimalString("maxNotional"), bf.DecimalString("imr"), bf.DecimalString("mmr")));
        }
        var spec = new InstrumentSpec(f.String("id"), f.DecimalString("tickSize"), f.DecimalString("lotSize"), brackets,
            f.DecimalString("maxPosition"), f.DecimalString("maxOrder"), f.DecimalString("maxPrice"), f.DecimalString("priceBand"), f.DecimalString("mark"));
        if (!_engine.TryDefineInstrument(spec, out var error)) throw new ScenarioException(error!);
    }

    private static RiskInput Config(Fields f)
    {
        f.Allow("type", "liquidationFeeRate", "liquidationBuffer", "insuranceFund");
        if (!Definitions.TryParseRate(f.DecimalString("liquidationFeeRate"), out long fee, out var e)) throw new ScenarioException($"liquidationFeeRate: {e}");
        var buffer = f.Decimal("liquidationBuffer");
        if (!buffer.TryToScaled(Money.Decimals, out long bufferPpm) || bufferPpm < 0) throw new ScenarioException("liquidationBuffer must be a non-negative rate with at most 6 decimals");
        return new RiskInput
        {
            Kind = InputKind.Config, LiquidationFeeRatePpm = fee, LiquidationBufferPpm = bufferPpm,
            Amount = MoneyOf(f.Decimal("insuranceFund"), "insuranceFund"),
        };
    }

    private RiskInput Collateral(Fields f, InputKind kind)
    {
        f.Allow("type", "account", "asset", "amount");
        long account = f.Id("account");
        string assetId = f.String("asset");
        int asset = _engine.FindAsset(assetId);
        if (asset < 0) throw new ScenarioException($"unknown asset '{assetId}'");
        var amount = f.Decimal("amount");
        var a = _engine.GetAsset(asset);
        if (!amount.TryToScaled(a.Decimals, out long units)) throw new ScenarioException($"amount '{amount}' has more than {a.Decimals} decimals for {assetId}");
        if (units <= 0) throw new ScenarioException("amount must be positive");
        return new RiskInput { Kind = kind, Account = account, Asset = asset, Amount = units };
    }

    private RiskInput Mark(Fields f)
    {
        f.Allow("type", "instrument", "price");
        int instr = KnownInstrument(f);
        var ins = _engine.GetInstrument(instr);
        long ticks = Ticks(f.Decimal("price"), ins, "price");
        if (ticks <= 0 || ticks > ins.MaxPriceTicks) throw new ScenarioException($"mark price must be positive and at most maxPrice");
        return new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = ticks };
    }

    private RiskInput Index(Fields f)
    {
        f.Allow("type", "asset", "price");
        string id = f.String("asset");
        int asset = _engine.FindAsset(id);
        if (asset < 0) throw new ScenarioException($"unknown asset '{id}'");
        if (asset == 0) throw new ScenarioException("the settlement asset has no index price");
        var price = f.Decimal("price");
        if (!price.TryToScaled(Money.Decimals, out long micros) || micros <= 0) throw new ScenarioException("index price must be positive with at most 6 decimals");
        return new RiskInput { Kind = InputKind.Index, Asset = asset, Price = micros };
    }

    private RiskInput Order(Fields f)
    {
        f.Allow("type", "account", "orderId", "instrument", "side", "qty", "price", "reduceOnly");
        var input = new RiskInput
        {
            Kind = InputKind.Order, Account = f.Id("account"), OrderId = f.Id("orderId"),
            Side = ParseSide(f.String("side")), ReduceOnly = f.OptionalBool("reduceOnly"),
        };
        bool qtyFits = f.WellFormedDecimal("qty", out var qty);
        bool priceFits = f.WellFormedDecimal("price", out var price);
        string id = f.String("instrument");
        input.Instrument = _engine.FindInstrument(id);
        if (input.Instrument < 0) { LastInstrumentId = id; return input; }
        var ins = _engine.GetInstrument(input.Instrument);
        // Off-lot / off-tick values, and well-formed decimals too large or too fine to represent at all,
        // are rejects in check order (§5: invalid_quantity / invalid_price), not errors: encode them as 0.
        input.Qty = qtyFits && qty.TryToUnits(ins.LotSize, out long lots) && lots > 0 ? lots : 0;
        input.Price = priceFits && price.TryToUnits(ins.TickSize, out long ticks) && ticks > 0 ? ticks : 0;
        return input;
    }

    private RiskInput Fill(Fields f)
    {
        f.Allow("type", "account", "orderId", "instrument", "side", "qty", "price", "fee", "liquidation");
        int instr = KnownInstrument(f);
        var ins = _engine.GetInstrument(instr);
        var input = new RiskInput
        {
            Kind = InputKind.Fill, Account = f.Id("account"), Instrument = instr, Side = ParseSide(f.String("side")),
            Liquidation = f.OptionalBool("liquidation"), HasOrderId = f.Has("orderId"), HasFee = f.Has("fee"),
        };
        if (input.HasOrderId) input.OrderId = f.Id("orderId");
        if (input.Liquidation && input.HasFee) throw new ScenarioException("a liquidation fill must not carry a fee (the engine charges it)");
        if (input.HasFee) input.Fee = MoneyOf(f.Decimal("fee"), "fee");
        var qty = f.Decimal("qty");
        if (!qty.TryToUnits(ins.LotSize, out long lots)) throw new ScenarioException($"fill qty '{qty}' is not a whole number of lots ({ins.LotSize})");
        if (lots <= 0) throw new ScenarioException("fill qty must be positive");
        input.Qty = lots;
        input.Price = Ticks(f.Decimal("price"), ins, "fill price");
        if (input.Price <= 0 || input.Price > ins.MaxPriceTicks) throw new ScenarioException("fill price must be positive and at most maxPrice");
        return input;
    }

    private RiskInput Funding(Fields f)
    {
        f.Allow("type", "instrument", "rate");
        int instr = KnownInstrument(f);
        if (!Definitions.TryParseRate(f.DecimalString("rate"), out long ppm, out var e, allowNegative: true)) throw new ScenarioException($"rate: {e}");
        return new RiskInput { Kind = InputKind.Funding, Instrument = instr, Amount = ppm };
    }

    private RiskInput Halt(Fields f)
    {
        string scope = f.String("scope");
        var input = new RiskInput { Kind = InputKind.Halt };
        switch (scope)
        {
            case "global": f.Allow("type", "scope", "on"); input.Scope = HaltScope.Global; break;
            case "instrument": f.Allow("type", "scope", "instrument", "on"); input.Scope = HaltScope.Instrument; input.Instrument = KnownInstrument(f); break;
            case "account":
                f.Allow("type", "scope", "account", "on"); input.Scope = HaltScope.Account; input.Account = f.Id("account");
                if (!_engine.HasAccount(input.Account)) throw new ScenarioException($"unknown account {input.Account}");
                break;
            default: throw new ScenarioException($"unknown halt scope '{scope}' (global | instrument | account)");
        }
        input.Flag = f.Bool("on");
        return input;
    }

    private RiskInput MarginMode(Fields f)
    {
        f.Allow("type", "account", "instrument", "mode");
        var input = new RiskInput { Kind = InputKind.MarginMode, Account = f.Id("account"), Instrument = LenientInstrument(f) };
        input.Flag = f.String("mode") switch
        {
            "isolated" => true,
            "cross" => false,
            var m => throw new ScenarioException($"unknown mode '{m}' (cross | isolated)"),
        };
        return input;
    }

    private RiskInput Isolate(Fields f)
    {
        f.Allow("type", "account", "instrument", "amount");
        var input = new RiskInput { Kind = InputKind.Isolate, Account = f.Id("account"), Instrument = LenientInstrument(f) };
        input.Amount = MoneyOf(f.Decimal("amount"), "amount");
        if (input.Amount == 0) throw new ScenarioException("isolate amount must not be zero");
        return input;
    }

    /// <summary>Instrument of margin_mode/isolate: unknown ones are answered with a reject, not an error.</summary>
    private int LenientInstrument(Fields f)
    {
        string id = f.String("instrument");
        int instr = _engine.FindInstrument(id);
        if (instr < 0) LastInstrumentId = id;
        return instr;
    }

    private int KnownInstrument(Fields f)
    {
        string id = f.String("instrument");
        int instr = _engine.FindInstrument(id);
        if (instr < 0) throw new ScenarioException($"unknown instrument '{id}'");
        return instr;
    }

    private static long Ticks(FixedDecimal price, Instrument ins, string what)
    {
        if (!price.TryToUnits(ins.TickSize, out long ticks)) throw new ScenarioException($"{what} '{price}' is not a whole number of ticks ({ins.TickSize})");
        return ticks;
    }

    private static long MoneyOf(FixedDecimal d, string what)
    {
        if (!d.TryToScaled(Money.Decimals, out long micros)) throw new ScenarioException($"{what} '{d}' has more than 6 decimals");
        if (Math.Abs(micros) >= Money.Bound) throw new ScenarioException($"{what} '{d}' is out of range");
        return micros;
    }

    private static Side ParseSide(string s) => s switch
    {
        "buy" => Side.Buy,
        "sell" => Side.Sell,
        _ => throw new ScenarioException($"unknown side '{s}' (buy | sell)"),
    };

    /// <summary>The properties of one JSON object, checked for duplicates and unknown keys.</summary>
    private readonly struct Fields
    {
        private readonly Dictionary<string, JsonElement> _map = new(StringComparer.Ordinal);
        public string? Duplicate { get; }
        public int Count => _map.Count;

        public Fields(JsonElement obj)
        {
            foreach (var p in obj.EnumerateObject())
                if (!_map.TryAdd(p.Name, p.Value)) Duplicate ??= p.Name;
        }

        public void Allow(params string[] keys)
        {
            foreach (var k in _map.Keys)
                if (Array.IndexOf(keys, k) < 0) throw new ScenarioException($"unknown key '{k}'");
        }

        public bool Has(string key) => _map.ContainsKey(key);

        public JsonElement Get(string key) =>
            _map.TryGetValue(key, out var v) ? v : throw new ScenarioException($"missing required key '{key}'");

        public string String(string key)
        {
            var v = Get(key);
            if (v.ValueKind != JsonValueKind.String) throw new ScenarioException($"'{key}' must be a string");
            return v.GetString()!;
        }

        public string DecimalString(string key)
        {
            string s = String(key);
            if (!FixedDecimal.TryParse(s, out _)) throw new ScenarioException($"'{key}': '{s}' is not a decimal of the form -?digits(.digits)?");
            return s;
        }

        public FixedDecimal Decimal(string key)
        {
            string s = String(key);
            return FixedDecimal.TryParse(s, out var d) ? d : throw new ScenarioException($"'{key}': '{s}' is not a decimal of the form -?digits(.digits)?");
        }

        /// <summary>
        /// A decimal of the grammar; false (not an error) when it is well-formed but cannot be represented
        /// (more than 18 significant digits or decimals), which order checks answer with a reject.
        /// </summary>
        public bool WellFormedDecimal(string key, out FixedDecimal value)
        {
            string s = String(key);
            if (FixedDecimal.TryParse(s, out value)) return true;
            if (!FixedDecimal.IsWellFormed(s)) throw new ScenarioException($"'{key}': '{s}' is not a decimal of the form -?digits(.digits)?");
            return false;
        }

        public long Id(string key)
        {
            var v = Get(key);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long id) || id < 0 || v.GetRawText().Contains('.') || v.GetRawText().Contains('e') || v.GetRawText().Contains('E'))
                throw new ScenarioException($"'{key}' must be a JSON integer in 0…2^63−1");
            return id;
        }

        public long Integer(string key, long min, long max)
        {
            var v = Get(key);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n) || n < min || n > max || v.GetRawText().Contains('.'))
                throw new ScenarioException($"'{key}' must be an integer in {min}…{max}");
            return n;
        }

        public bool Bool(string key)
        {
            var v = Get(key);
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ScenarioException($"'{key}' must be true or false"),
            };
        }

        public bool OptionalBool(string key) => Has(key) && Bool(key);
    }
}

/// <summary>A scenario line that cannot be applied.</summary>
public sealed class ScenarioException(string message) : Exception(message);
