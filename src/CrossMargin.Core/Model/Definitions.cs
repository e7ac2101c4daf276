using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Model;

/// <summary>One bracket of an <see cref="InstrumentSpec"/> as given in configuration (decimal strings).</summary>
public sealed record BracketSpec(string MaxNotional, string Imr, string Mmr);

/// <summary>An instrument as given in configuration; <see cref="Definitions.TryBuildInstrument"/> validates it.</summary>
public sealed record InstrumentSpec(string Id, string TickSize, string LotSize, IReadOnlyList<BracketSpec> Brackets,
    string MaxPosition, string MaxOrder, string MaxPrice, string PriceBand, string Mark);

/// <summary>A non-settlement asset as given in configuration.</summary>
public sealed record AssetSpec(string Id, string Price, string Haircut, int Decimals);

/// <summary>
/// Validation of asset and instrument definitions at load time, including the overflow proof of
/// risk-model §1: an instrument whose notional(maxPosition, maxPrice) could reach 2^56 is refused,
/// so no product the engine forms at run time can overflow 64 bits.
/// </summary>
public static class Definitions
{
    /// <summary>Ids: 1–32 characters from A-Z a-z 0-9 . _ -</summary>
    public static bool IsValidId(string id)
    {
        if (id.Length is < 1 or > 32) return false;
        foreach (char c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return false;
        return true;
    }

    /// <summary>Parses a rate (0…1 inclusive, at most 6 decimals) to ppm.</summary>
    public static bool TryParseRate(string s, out long ppm, out string? error, bool allowNegative = false)
    {
        ppm = 0; error = null;
        if (!FixedDecimal.TryParse(s, out var d)) { error = $"'{s}' is not a decimal"; return false; }
        if (!d.TryToScaled(Money.Decimals, out ppm)) { error = $"rate '{s}' has more than 6 decimals"; return false; }
        if (ppm > Money.Scale || (!allowNegative && ppm < 0) || ppm < -Money.Scale) { error = $"rate '{s}' is outside [{(allowNegative ? "-1" : "0")}, 1]"; return false; }
        return true;
    }

    /// <summary>Builds an asset or returns false with a specific message.</summary>
    public static bool TryBuildAsset(AssetSpec spec, int index, out Asset? asset, out string? error)
    {
        asset = null;
        if (!IsValidId(spec.Id)) { error = $"invalid asset id '{spec.Id}'"; return false; }
        if (spec.Decimals is < 0 or > 18) { error = $"asset {spec.Id}: decimals must be 0..18"; return false; }
        if (!FixedDecimal.TryParse(spec.Price, out var p) || !p.TryToScaled(Money.Decimals, out long priceMicros))
        { error = $"asset {spec.Id}: price '{spec.Price}' is not a decimal with at most 6 decimals"; return false; }
        if (priceMicros <= 0) { error = $"asset {spec.Id}: price must be positive"; return false; }
        if (!TryParseRate(spec.Haircut, out long h, out error)) { error = $"asset {spec.Id}: haircut: {error}"; return false; }
        asset = new Asset(spec.Id, index, spec.Decimals, h, priceMicros);
        return true;
    }

    /// <summary>Builds and validates an instrument, or returns false with a specific message.</summary>
    public static bool TryBuildInstrument(InstrumentSpec spec, int index, out Instrument? instrument, out string? error)
    {
        instrument = null;
        string id = spec.Id;
        if (!IsValidId(id)) { error = $"invalid instrument id '{id}'"; return false; }
        if (!FixedDecimal.TryParse(spec.TickSize, out var tick) || tick.Mantissa <= 0) { error = $"instrument {id}: tickSize must be a positive decimal"; return false; }
        if (!FixedDecimal.TryParse(spec.LotSize, out var lot) || lot.Mantissa <= 0) { error = $"instrument {id}: lotSize must be a positive decimal"; return false; }
        // tickValue = tickSize × lotSize × 10^6 must be a positive integer (§1)
        Int128 tvNum = (Int128)tick.Mantissa * lot.Mantissa * Money.Scale;
        Int128 tvDen = FixedDecimal.Pow10(tick.Scale + lot.Scale);
        if (tvNum % tvDen != 0) { error = $"instrument {id}: tickValue = tickSize × lotSize × 10^6 is not an integer"; return false; }
        Int128 tv128 = tvNum / tvDen;
        if (tv128 <= 0 || tv128 >= Money.Bound) { error = $"instrument {id}: tickValue out of range"; return false; }
        long tv = (long)tv128;

        if (spec.Brackets.Count == 0) { error = $"instrument {id}: at least one bracket is required"; return false; }
        var brackets = new MarginBracket[spec.Brackets.Count];
        Int128 cumExact = 0; // micro-units × ppm, accumulated exactly and floored once per bracket (§8)
        long prevMax = 0, prevMmr = 0;
        for (int b = 0; b < brackets.Length; b++)
        {
            var bs = spec.Brackets[b];
            if (!FixedDecimal.TryParse(bs.MaxNotional, out var mn) || !mn.TryToScaled(Money.Decimals, out long maxN) || maxN <= 0)
            { error = $"instrument {id}: bracket {b + 1}: maxNotional must be a positive amount with at most 6 decimals"; return false; }
            if (maxN >= Money.Bound) { error = $"instrument {id}: bracket {b + 1}: maxNotional must be below 2^56 micro-units"; return false; }
            if (b > 0 && maxN <= prevMax) { error = $"instrument {id}: bracket maxNotional must be strictly increasing"; return false; }
            if (!TryParseRate(bs.Imr, out long imr, out error)) { error = $"instrument {id}: bracket {b + 1}: imr: {error}"; return false; }
            if (!TryParseRate(bs.Mmr, out long mmr, out error)) { error = $"instrument {id}: bracket {b + 1}: mmr: {error}"; return false; }
            if (mmr > imr) { error = $"instrument {id}: bracket {b + 1}: mmr must not exceed imr"; return false; }
            if (b > 0 && mmr < prevMmr) { error = $"instrument {id}: bracket {b + 1}: mmr must not decrease"; return false; }
            if (b > 0) cumExact += (Int128)prevMax * (mmr - prevMmr);
            brackets[b] = new MarginBracket(maxN, imr, mmr, (long)Money.FloorDiv(cumExact, Money.Scale));
            prevMax = maxN; prevMmr = mmr;
        }

        if (!FixedDecimal.TryParse(spec.MaxPosition, out var mp) || !mp.TryToUnits(lot, out long maxPos) || maxPos <= 0)
        { error = $"instrument {id}: maxPosition must be a positive whole number of lots"; return false; }
        if (!FixedDecimal.TryParse(spec.MaxOrder, out var mo) || !mo.TryToUnits(lot, out long maxOrder) || maxOrder <= 0)
        { error = $"instrument {id}: maxOrder must be a positive whole number of lots"; return false; }
        if (!FixedDecimal.TryParse(spec.MaxPrice, out var mpr) || !mpr.TryToUnits(tick, out long maxPrice) || maxPrice <= 0)
        { error = $"instrument {id}: maxPrice must be a positive whole number of ticks"; return false; }
        if (!TryParseRate(spec.PriceBand, out long band, out error)) { error = $"instrument {id}: priceBand: {error}"; return false; }
        if (!FixedDecimal.TryParse(spec.Mark, out var mk) || !mk.TryToUnits(tick, out long mark) || mark <= 0)
        { error = $"instrument {id}: mark must be a positive whole number of ticks"; return false; }
        if (mark > maxPrice) { error = $"instrument {id}: mark above maxPrice"; return false; }
        // The overflow proof (§1): every notional the engine forms is bounded by this one.
        if ((Int128)maxPos * maxPrice * tv >= Money.Bound)
        { error = $"instrument {id}: notional(maxPosition, maxPrice) must be below 2^56 micro-units (overflow bound)"; return false; }

        instrument = new Instrument(id, index, tick, lot, tv, brackets, maxPos, maxOrder, maxPrice, band, mark);
        error = null;
        return true;
    }
}
