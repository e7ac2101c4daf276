using CrossMargin.Core.Trigger;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

/// <summary>The band-edge structure against a brute-force model: a move pops exactly the slots whose band excludes the new mark (linear and log-linear buckets).</summary>
public class TriggerBandsTests
{
    [Property(MaxTest = 150, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void A_move_pops_exactly_the_bands_that_exclude_the_new_mark(uint[] choices)
    {
        var rng = new ChoiceStream(choices);
        const int capacity = 64;
        // Linear buckets wider than 1 tick and exactly 1 tick; log-linear buckets over every positive price (index prices).
        int kind = rng.Next(3);
        long maxPrice = kind switch { 0 => 1_000_000, 1 => 70_000, _ => rng.Next(2) == 0 ? long.MaxValue : 5_000 };
        long mark = rng.NextInt64(1, maxPrice);
        var bands = kind == 2 ? TriggerBands.ForIndexPrices(capacity, mark) : new TriggerBands(capacity, maxPrice, mark);
        var model = new Dictionary<int, (long Lo, long Hi)>();
        int count = 0; // live slots: 0 … count−1, as in a holder table
        for (int step = 0; step < 300; step++)
        {
            switch (rng.Next(5))
            {
                case 0 or 1 when count < capacity || count > 0:
                {
                    // (Re)band a slot around the mark; sometimes one that does not contain it (must shrink to [mark, mark]).
                    int slot = count < capacity && (count == 0 || rng.Next(3) == 0) ? count++ : rng.Next(count);
                    long span = kind == 2 ? Math.Max(2, mark / 4) : maxPrice / 4; // log buckets: bands relative to the price
                    long lo = Math.Max(1, mark - rng.NextInt64(0, span)), hi = mark + Math.Min(rng.NextInt64(0, span), maxPrice - mark);
                    if (rng.Next(20) == 0) lo = hi = Math.Min(maxPrice, mark + 1);
                    bands.Set(slot, lo, hi);
                    model[slot] = lo <= mark && mark <= hi ? (lo, hi) : (mark, mark);
                    break;
                }
                case 2 when count > 0:
                {
                    // Remove a slot as the holder table does: clear it, move the last slot into the hole.
                    int slot = rng.Next(count), last = --count;
                    bands.Clear(slot);
                    model.Remove(slot);
                    if (slot != last)
                    {
                        bands.Move(last, slot);
                        if (model.Remove(last, out var band)) model[slot] = band;
                    }
                    break;
                }
                default:
                {
                    long price = rng.Next(4) switch
                    {
                        0 => Math.Clamp(mark + rng.Next(-2, 3), 1, maxPrice),
                        1 when kind == 2 => Math.Clamp(mark + mark / 1000 * rng.Next(-3, 4), 1, maxPrice), // around one log bucket
                        _ => rng.NextInt64(1, maxPrice),
                    };
                    var expected = model.Where(kv => kv.Value.Lo > price || kv.Value.Hi < price).Select(kv => kv.Key).Order().ToArray();
                    int n = bands.PopOutside(price);
                    Assert.Equal(expected, bands.Popped(n).ToArray().Order().ToArray());
                    foreach (int s in expected) model.Remove(s);
                    mark = price;
                    break;
                }
            }
            Assert.Equal(model.Count, bands.Count);
            foreach (var (slot, band) in model) Assert.Equal(band, bands.BandOf(slot));
        }
    }
}

/// <summary>
/// <see cref="SafeBand.Budget.AssetBandOf"/> against the haircut value itself: for random balances, haircuts,
/// decimals, index prices and part figures, every price in the band leaves the health of §4 unchanged, and
/// the band is the widest interval the budget allows: one µ-price beyond an edge the value change leaves the
/// budget (or the value passes the ceiling).
/// </summary>
public class AssetBandTests
{
    [Property(MaxTest = 500, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void An_asset_band_is_exactly_the_prices_whose_value_change_the_budget_allows(uint[] choices)
    {
        var rng = new ChoiceStream(choices);
        int decimals = rng.Next(0, 19);
        long haircut = rng.Next(4) == 0 ? 0 : rng.NextInt64(0, 1_000_000);
        long units = rng.Next(3) == 0 ? rng.NextInt64(1, 1000) : rng.NextInt64(1, 1L << 50);
        long p0 = rng.Next(3) == 0 ? rng.NextInt64(1, 1000) : rng.NextInt64(1, 100_000_000_000);
        var asset = new CrossMargin.Core.Model.Asset("X", 1, decimals, haircut, p0);
        long v0 = asset.HaircutValue(units);
        // A value at or past the ceiling (HaircutValue's cap) may not rise at all: nothing more to check.
        if ((Int128)units * (1_000_000 - haircut) * p0 / ((Int128)asset.UnitsPerWhole * 1_000_000) >= SafeBand.Budget.ValueCeiling)
        {
            Assert.Equal(p0, new SafeBand.Budget(0, 0, 0).AssetBandOf(asset, units, held: 1).Hi);
            return;
        }
        // Part figures around the value: E = v0 + other, requirements anywhere near it.
        long equity = v0 + rng.NextInt64(-(1L << 40), 1L << 40);
        long mm = rng.Next(4) == 0 ? 0 : rng.NextInt64(0, 1L << 41);
        long im = mm + rng.NextInt64(0, 1L << 41);
        var budget = new SafeBand.Budget(equity, im, mm);
        var (lo, hi) = budget.AssetBandOf(asset, units, held: 1);
        Assert.InRange(p0, lo, hi);

        var before = CrossMargin.Core.Rules.HealthClassifier.Classify(equity, im, mm, hasPosition: true);
        long ValueAt(long p) { asset.IndexPriceMicros = p; return asset.HaircutValue(units); }
        bool Keeps(long p) => ValueAt(p) <= SafeBand.Budget.ValueCeiling
            && CrossMargin.Core.Rules.HealthClassifier.Classify(equity + ValueAt(p) - v0, im, mm, hasPosition: true) == before;
        foreach (long p in new[] { lo, hi, rng.NextInt64(lo, hi) })
            Assert.True(Keeps(p), $"price {p} in [{lo}, {hi}] changes the health (p0 {p0}, v0 {v0}, E {equity}, IM {im}, MM {mm})");
        // Widest: one µ-price outside, the value change exceeds the budget of §4's edges the move heads for (restated
        // here from the spec: a fall may cost E, E − MM − 1, E − IM of the predicates the part is above; a rise
        // −E − 1, MM − E, IM − E − 1 of those it is below) or passes the ceiling.
        long fall = Math.Min(equity >= 0 ? equity : long.MaxValue, Math.Min(equity - mm > 0 ? equity - mm - 1 : long.MaxValue, equity - im >= 0 ? equity - im : long.MaxValue));
        long rise = Math.Min(equity < 0 ? -equity - 1 : long.MaxValue, Math.Min(equity - mm <= 0 ? mm - equity : long.MaxValue, equity - im < 0 ? im - equity - 1 : long.MaxValue));
        // The uncapped value: past the ceiling the capped one stops moving, and the band stops there by design.
        Int128 Uncapped(long p) => (Int128)units * (1_000_000 - haircut) * p / ((Int128)asset.UnitsPerWhole * 1_000_000);
        bool WithinBudget(long p) { Int128 v = Uncapped(p); return v <= SafeBand.Budget.ValueCeiling && (v < v0 ? v0 - v <= fall : v - v0 <= rise); }
        Assert.True(WithinBudget(lo) && WithinBudget(hi));
        if (lo > 1) Assert.False(WithinBudget(lo - 1), $"the band could reach {lo - 1} (p0 {p0}, lo {lo}, hi {hi}, v0 {v0}, v(lo-1) {ValueAt(lo - 1)}, fall {fall}, rise {rise}, E {equity}, IM {im}, MM {mm}, units {units}, h {haircut}, dec {decimals})");
        if (hi < long.MaxValue && (Int128)units * (1_000_000 - haircut) * (hi + 1) <= Int128.MaxValue)
            Assert.False(WithinBudget(hi + 1), $"the band could reach {hi + 1} (p0 {p0}, hi {hi})");
    }
}
