using System.Numerics;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;
using FsCheck.Xunit;
using static CrossMargin.Core.Tests.Book;

namespace CrossMargin.Core.Tests;

/// <summary>
/// A collateral balance's haircut value (risk-model §2) is exact for every balance and index price a long
/// holds, and capped at <see cref="Asset.ValueCap"/>: a hostile index price can neither wrap it nor make
/// an account's sums wrap.
/// </summary>
public class CollateralValueTests
{
    [Property(MaxTest = 1000, Arbitrary = [typeof(ChoiceArbitraries)])]
    public void The_value_is_the_exact_floor_capped(uint[] choices)
    {
        var rng = new ChoiceStream(choices);
        int decimals = rng.Next(0, 19);
        long haircut = rng.Next(4) switch { 0 => 0, 1 => 1_000_000, _ => rng.NextInt64(0, 1_000_001) };
        long units = rng.Next(3) switch { 0 => rng.NextInt64(1, 1000), 1 => rng.NextInt64(1, 1L << 56), _ => rng.NextInt64(1, long.MaxValue) };
        long price = rng.Next(3) switch { 0 => rng.NextInt64(1, 1_000_000), 1 => rng.NextInt64(1, 1L << 40), _ => rng.NextInt64(1, long.MaxValue) };
        var asset = new Asset("X", 1, decimals, haircut, price);
        var exact = new BigInteger(units) * price * (1_000_000 - haircut) / (BigInteger.Pow(10, decimals) * 1_000_000);
        Assert.Equal((long)BigInteger.Min(exact, Asset.ValueCap), asset.HaircutValue(units));
    }

    [Fact]
    public void Worked_examples_below_at_and_past_the_cap()
    {
        // 0.1 BTC (8 decimals) at 50,000 with a 10 % haircut: floor(0.1 × 50,000 × 0.9) = 4,500.
        Assert.Equal(Usd("4500"), new Asset("BTC", 1, 8, 100_000, Usd("50000")).HaircutValue(10_000_000));
        // 2^56 − 1 whole units (0 decimals) at 1 µ, no haircut: 2^56 − 1 µ, one below the cap.
        Assert.Equal(Asset.ValueCap - 1, new Asset("X", 1, 0, 0, 1).HaircutValue(Asset.ValueCap - 1));
        // The same at 2 µ: 2^57 − 2 µ exact, the cap counted.
        Assert.Equal(Asset.ValueCap, new Asset("X", 1, 0, 0, 2).HaircutValue(Asset.ValueCap - 1));
        // 2^56 units at the largest price: the old formula's product passed 128 bits and wrapped.
        Assert.Equal(Asset.ValueCap, new Asset("X", 1, 0, 1, long.MaxValue).HaircutValue(1L << 56));
    }

    [Theory]
    [InlineData(TriggerMode.Index)]
    [InlineData(TriggerMode.Scan)]
    public void A_hostile_index_price_values_a_balance_at_the_cap_and_the_books_stay_consistent(TriggerMode trigger)
    {
        var b = new Book(trigger: trigger);
        b.DepositBtc(1, 1L << 40); // about 11,000 BTC, worth 2^40 × 450 µ at 50,000 with a 10 % haircut
        b.Fill(1, Btc, Side.Buy, "1", "50000"); // at the mark, no fee: uPnL 0, so E is the collateral value
        Assert.Equal((1L << 40) * 450, b.Equity(1));
        b.Step(new RiskInput { Kind = InputKind.Index, Asset = BtcAsset, Price = long.MaxValue });
        Assert.Equal(Asset.ValueCap, b.Equity(1));
        b.AssertConsistent();
        // Back to a sane price: the value follows exactly again.
        b.Index("50000");
        Assert.Equal((1L << 40) * 450, b.Equity(1));
        b.AssertConsistent();
    }
}
