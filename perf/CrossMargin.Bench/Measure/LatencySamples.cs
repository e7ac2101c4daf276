using System.Diagnostics;

namespace CrossMargin.Bench.Measure;

/// <summary>Percentiles of one latency distribution, nanoseconds.</summary>
public sealed record PercentileRow(long Count, double P50, double P90, double P99, double P999, double P9999, double Max)
{
    /// <summary>The row's cells in table order.</summary>
    public double[] Cells() => [P50, P90, P99, P999, P9999, Max];
}

/// <summary>
/// Every sample kept (a preallocated array, no allocation while recording) and sorted once at the
/// end, so percentiles are exact rather than bucketed. The Java peer computes its percentiles the
/// same way (sort, nearest rank), so our figures and the Disruptor's are read identically.
/// </summary>
public sealed class LatencySamples(int capacity)
{
    private readonly long[] _ns = new long[capacity];
    private int _count;
    private long _dropped;

    /// <summary>Samples recorded (at most the capacity).</summary>
    public int Count => _count;

    /// <summary>Samples that did not fit (the run was longer than sized for); reported, never hidden.</summary>
    public long Dropped => _dropped;

    /// <summary>Records one latency in nanoseconds. Single writer.</summary>
    public void Record(long ns)
    {
        if (_count < _ns.Length) _ns[_count++] = ns;
        else _dropped++;
    }

    /// <summary>Records the time from <paramref name="startTicks"/> (a Stopwatch timestamp) to now.</summary>
    public void RecordSince(long startTicks) => Record(Clock.ToNs(Stopwatch.GetTimestamp() - startTicks));

    /// <summary>Forgets every sample (the array is kept).</summary>
    public void Reset()
    {
        _count = 0;
        _dropped = 0;
    }

    /// <summary>Sorts the samples (once, after the run) and reads the standard percentiles.</summary>
    public PercentileRow Summarize()
    {
        var s = _ns.AsSpan(0, _count);
        s.Sort();
        return new PercentileRow(_count, At(s, 50), At(s, 90), At(s, 99), At(s, 99.9), At(s, 99.99), _count == 0 ? double.NaN : s[^1]);
    }

    /// <summary>
    /// The percentile-distribution curve (percentile, ns) at 1 − 10^(−k/20) for k = 0, 1, … while the
    /// samples resolve it, then the maximum: the x axis of an HdrHistogram-style plot. Call after <see cref="Summarize"/>.
    /// </summary>
    public double[][] Curve()
    {
        var s = _ns.AsSpan(0, _count);
        var points = new List<double[]>();
        if (_count == 0) return [];
        for (int k = 0; ; k++)
        {
            double p = 100.0 * (1 - Math.Pow(10, -k / 20.0));
            if (100 - p < 100.0 / _count) break;
            points.Add([p, At(s, p)]);
        }
        points.Add([100.0 * (1 - 1.0 / (2.0 * _count)), s[^1]]);
        return [.. points];
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double At(ReadOnlySpan<long> sorted, double percentile)
    {
        if (sorted.Length == 0) return double.NaN;
        long rank = (long)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[(int)Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>Stopwatch helpers.</summary>
public static class Clock
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Stopwatch ticks to nanoseconds.</summary>
    public static long ToNs(long ticks) => (long)(ticks * NsPerTick);

    /// <summary>Nanoseconds to Stopwatch ticks (at least 1).</summary>
    public static long ToTicks(double ns) => Math.Max(1, (long)(ns / NsPerTick));
}

/// <summary>GC collections over a measured phase (the target: 0 in every measured phase).</summary>
public readonly record struct GcCounts(int Gen0, int Gen1, int Gen2)
{
    /// <summary>Counts so far in this process.</summary>
    public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    /// <summary>Collections since <paramref name="start"/>.</summary>
    public GcCounts Since(GcCounts start) => new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2);

    /// <summary>All generations together.</summary>
    public int Total => Gen0 + Gen1 + Gen2;
}

/// <summary>Warm-up by time, not by count: tiered JIT promotes hot code to optimised tier 1 after ~100 ms in the background, so a count-based warm-up of a fast loop can finish before that and measure tier-0 code.</summary>
public static class Warm
{
    /// <summary>Runs <paramref name="step"/> repeatedly for at least <paramref name="seconds"/>.</summary>
    public static void For(double seconds, Action step)
    {
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        do step(); while (Stopwatch.GetTimestamp() < end);
    }

    /// <summary>Warm-up time of a mode.</summary>
    public static double Seconds(bool quick) => quick ? 0.8 : 2.0;
}
