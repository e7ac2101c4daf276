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
