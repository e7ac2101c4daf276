namespace CrossMargin.Bench.Risk;

/// <summary>The offered rates of the open-loop runs and how long each is held.</summary>
public static class OfferedRates
{
    /// <summary>(label, inputs per second).</summary>
    public static readonly (string Label, double PerSecond)[] All = [("10k", 10_000), ("100k", 100_000), ("1M", 1_000_000)];

    /// <summary>Seconds each rate is held: long enough for ≥ 10,000 measured inputs even at 10k/s (p99.99 resolved).</summary>
    public static double Seconds(double perSecond, bool quick) => quick
        ? (perSecond <= 10_000 ? 3 : 1)
        : (perSecond <= 10_000 ? 20 : perSecond <= 100_000 ? 10 : 6);
}
