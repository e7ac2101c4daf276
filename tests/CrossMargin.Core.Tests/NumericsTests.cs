using System.Numerics;
using CrossMargin.Core.Numerics;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

public class NumericsTests
{
    [Theory]
    [InlineData("1.50", 15, 1)]
    [InlineData("0", 0, 0)]
    [InlineData("-12.25", -1225, 2)]
    [InlineData("007", 7, 0)]
    [InlineData("0.000001", 1, 6)]
    public void Decimals_parse_exactly_and_drop_trailing_zeros(string s, long mantissa, int scale)
    {
        Assert.True(FixedDecimal.TryParse(s, out var d));
        Assert.Equal(new FixedDecimal(mantissa, scale), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+1")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("1e5")]
    [InlineData("1,5")]
    [InlineData(" 1")]
    [InlineData("99999999999999999999")]
    public void Malformed_decimals_are_refused(string s) => Assert.False(FixedDecimal.TryParse(s, out _));

    [Theory]
    [InlineData(15, 1, "1.5")]
    [InlineData(0, 6, "0")]
    [InlineData(-1225, 2, "-12.25")]
    [InlineData(1, 6, "0.000001")]
    [InlineData(-5, 1, "-0.5")]
    [InlineData(long.MinValue, 0, "-9223372036854775808")]
    public void Decimals_format_without_trailing_zeros(long mantissa, int scale, string expected) =>
        Assert.Equal(expected, FixedDecimal.Format(mantissa, scale));

    [Fact]
    public void A_value_that_is_not_a_whole_number_of_lots_is_refused_not_rounded()
    {
        var lot = new FixedDecimal(1, 3);
        Assert.True(new FixedDecimal(123, 3).TryToUnits(lot, out long lots));
        Assert.Equal(123, lots);
        Assert.False(new FixedDecimal(5, 4).TryToUnits(lot, out _)); // 0.0005 of a 0.001 lot
    }

    [Property(MaxTest = 1000)]
    public bool Rate_products_round_conservatively_and_exactly(long amount, int rate)
    {
        amount = Math.Abs(amount % (1L << 62));
        long ppm = Math.Abs(rate % 1_000_001);
        var exact = new BigInteger(amount) * ppm;
        var floor = BigInteger.Divide(exact, Money.Scale);
        var ceil = floor + (exact % Money.Scale != 0 ? 1 : 0);
        return Money.MulRateFloor(amount, ppm) == floor && Money.MulRateCeil(amount, ppm) == ceil;
    }

    [Fact]
    public void Maintenance_of_61_5_micro_units_rounds_up() =>
        // 01_one_position: N = 6 150 012 300 µ at mmr 0.005 → 30 750 061.5 → 30 750 062
        Assert.Equal(30_750_062, Money.MulRateCeil(6_150_012_300, 5_000));

    [Property(MaxTest = 1000)]
    public bool Wide_fraction_comparison_matches_big_integers(ulong a, ulong b, ulong c, ulong d, ulong e, ulong f)
    {
        UInt128 n1 = (UInt128)a * b, d1 = (UInt128)c * d + 1, n2 = (UInt128)e * f, d2 = (UInt128)(a ^ f) * (b | 1) + 1;
        int expected = ((BigInteger)n1 * (BigInteger)d2).CompareTo((BigInteger)n2 * (BigInteger)d1);
        return Math.Sign(WideMath.CompareFractions(n1, d1, n2, d2)) == Math.Sign(expected);
    }
}
