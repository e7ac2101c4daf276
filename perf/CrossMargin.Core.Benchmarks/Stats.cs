using System.Diagnostics;
using HdrHistogram;

namespace CrossMargin.Core.Benchmarks;

/// <summary>A latency distribution (HdrHistogram, picosecond units so per-input batch means keep sub-ns detail).</summary>
public sealed class Dist
{
    private readonly LongHistogram _h = new(highestTrackableValue: 100_000_000_000_000L, numberOfSignificantValueDigits: 3);

    public void AddNs(double ns) => _h.RecordValue(Math.Max(0L, (long)(ns * 1000.0)));
    public void AddTicks(long ticks, int perOps = 1) => AddNs(Clock.Ns(ticks) / perOps);
    public long Count => _h.TotalCount;
    /// <summary>Percentile in nanoseconds.</summary>
    public double P(double percentile) => _h.GetValueAtPercentile(percentile) / 1000.0;
    public double Median => P(50);
    public double P99 => P(99);
}

public static class Clock
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;
    public static long Now() => Stopwatch.GetTimestamp();
    public static double Ns(long ticks) => ticks * NsPerTick;

    /// <summary>Median cost of an empty GetTimestamp pair (what a single-shot sample includes on top of the input).</summary>
    public static double TimerOverheadNs()
    {
        var d = new Dist();
        for (int i = 0; i < 200_000; i++)
        {
            long a = Now();
            long b = Now();
            d.AddTicks(b - a);
        }
        return d.Median;
    }
}

/// <summary>GC collection counts over a measured region.</summary>
public readonly struct GcCounts
{
    public readonly int G0, G1, G2;
    private GcCounts(int g0, int g1, int g2) { G0 = g0; G1 = g1; G2 = g2; }
    public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    public GcCounts Since(GcCounts start) => new(G0 - start.G0, G1 - start.G1, G2 - start.G2);
    public GcCounts Plus(GcCounts o) => new(G0 + o.G0, G1 + o.G1, G2 + o.G2);
    public override string ToString() => $"{G0}/{G1}/{G2}";
}

/// <summary>Fixed-width table printing.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void Print(TextWriter w)
    {
        var width = new int[headers.Length];
        for (int c = 0; c < headers.Length; c++)
        {
            width[c] = headers[c].Length;
            foreach (var r in _rows) width[c] = Math.Max(width[c], r[c].Length);
        }
        w.WriteLine("| " + string.Join(" | ", headers.Select((h, c) => h.PadRight(width[c]))) + " |");
        w.WriteLine("|" + string.Join("|", width.Select(x => new string('-', x + 2))) + "|");
        foreach (var r in _rows)
            w.WriteLine("| " + string.Join(" | ", r.Select((s, c) => c == 0 ? s.PadRight(width[c]) : s.PadLeft(width[c]))) + " |");
        w.WriteLine();
    }
}

public static class Fmt
{
    /// <summary>Nanoseconds with a unit chosen for readability.</summary>
    public static string Time(double ns) => ns switch
    {
        < 1_000 => $"{ns:F1} ns",
        < 1_000_000 => $"{ns / 1_000:F2} µs",
        _ => $"{ns / 1_000_000:F2} ms",
    };

    public static string Ratio(double x) => $"{x:F2}×";
}
