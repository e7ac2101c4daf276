using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Model;

/// <summary>
/// A collateral asset (risk-model §2). Index 0 is the settlement asset: money, counted in
/// micro-units, never haircut. Other assets are counted in 10^-<see cref="Decimals"/> units and
/// valued at <c>floor(balance × index × (1 − haircut))</c>.
/// </summary>
public sealed class Asset
{
    internal Asset(string id, int index, int decimals, long haircutPpm, long indexPriceMicros)
    {
        Id = id; Index = index; Decimals = decimals; HaircutPpm = haircutPpm; IndexPriceMicros = indexPriceMicros;
        UnitsPerWhole = (long)FixedDecimal.Pow10(decimals);
    }

    /// <summary>Asset id, e.g. "USD", "BTC".</summary>
    public string Id { get; }
    /// <summary>Definition order; 0 is the settlement asset.</summary>
    public int Index { get; }
    /// <summary>Balance units are 10^-Decimals of one whole asset (6 for the settlement asset).</summary>
    public int Decimals { get; }
    /// <summary>Haircut in parts per million.</summary>
    public long HaircutPpm { get; }
    /// <summary>Index price in money micro-units per whole asset.</summary>
    public long IndexPriceMicros { get; internal set; }
    /// <summary>10^Decimals.</summary>
    public long UnitsPerWhole { get; }
    /// <summary>True for the settlement asset.</summary>
    public bool IsSettlement => Index == 0;

    /// <summary>
    /// The most one balance of one asset is valued at: 2^56 µ (about 72 billion in money, the balance
    /// limit). Index prices have no declared maximum, so a hostile or broken feed could otherwise value a
    /// balance past what a long holds (it wrapped, inventing or destroying money); at this cap an
    /// account's collateral over up to 64 assets stays below 2^62. The cap only ever values low.
    /// </summary>
    public const long ValueCap = 1L << 56;

    /// <summary>
    /// Haircut value in money micro-units of <paramref name="units"/> at the current index price,
    /// rounded down: <c>min(floor(units × index × (1 − haircut) / 10^decimals), ValueCap)</c>, exact for
    /// every units and price a long holds.
    /// </summary>
    public long HaircutValue(long units)
    {
        if (units <= 0) return 0; // non-settlement balances never go negative (§2)
        Int128 d = (Int128)UnitsPerWhole * Money.Scale;
        Int128 a = (Int128)units * IndexPriceMicros; // < 2^126
        long f = Money.Scale - HaircutPpm;
        // floor(a·f / d) = (a / d)·f + floor((a mod d)·f / d): a·f alone could pass 128 bits, these terms cannot.
        Int128 v = a / d * f + a % d * f / d;
        return v >= ValueCap ? ValueCap : (long)v;
    }
}
