using CrossMargin.Bench.Measure;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Bench.Tests;

/// <summary>Percentiles are exact nearest-rank values (the Java peer uses the same definition).</summary>
public class LatencySamplesTests
{
    [Fact]
    public void One_to_a_hundred_has_the_hand_checked_percentiles()
    {
        var s = new LatencySamples(100);
        for (int v = 100; v >= 1; v--) s.Record(v); // recorded out of order
        var r = s.Summarize();
        Assert.Equal((100L, 50.0, 90.0, 99.0, 100.0, 100.0, 100.0), (r.Count, r.P50, r.P90, r.P99, r.P999, r.P9999, r.Max));
    }

    [Fact]
    public void Samples_beyond_the_capacity_are_counted_not_kept()
    {
        var s = new LatencySamples(2);
        s.Record(1); s.Record(2); s.Record(3);
        Assert.Equal(2, s.Count);
        Assert.Equal(1, s.Dropped);
    }

    [Property]
    public void Percentiles_are_samples_and_ordered(NonEmptyArray<PositiveInt> values)
    {
        var s = new LatencySamples(values.Get.Length);
        foreach (var v in values.Get) s.Record(v.Get);
        var r = s.Summarize();
        var set = values.Get.Select(v => (double)v.Get).ToHashSet();
        Assert.All(r.Cells(), c => Assert.Contains(c, set));
        Assert.True(r.P50 <= r.P90 && r.P90 <= r.P99 && r.P99 <= r.P999 && r.P999 <= r.P9999 && r.P9999 <= r.Max);
        Assert.Equal(values.Get.Max(v => v.Get), r.Max);
        var curve = s.Curve();
        for (int i = 1; i < curve.Length; i++) Assert.True(curve[i][0] > curve[i - 1][0] && curve[i][1] >= curve[i - 1][1]);
    }
}
