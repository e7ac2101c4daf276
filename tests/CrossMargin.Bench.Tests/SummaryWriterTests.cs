using System.Text.Json.Nodes;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Bench.Tests;

/// <summary>summary.json always carries every key issue 13 requires, whatever parts of a run produced figures.</summary>
public class SummaryWriterTests
{
    private static RunInfo Info(double before = 0.25, double after = 1.75) =>
        new("20260101T000000Z", "quick", "abc1234", "test cpu", "avx2", 2, ".NET", "linux", before, after);

    /// <summary>Figures for a random subset of the required keys (the measured ones), random finite values.</summary>
    public static Arbitrary<Dictionary<string, double>> Subsets() =>
        Gen.Elements(SummaryWriter.RequiredKeys.Where(k => k is not ("load_before" or "load_after" or "gc_collections_measured")).ToArray())
            .ListOf()
            .SelectMany(keys => Gen.Choose(0, 1_000_000_000).ListOf(keys.Count).Select(values =>
            {
                var d = new Dictionary<string, double>();
                for (int i = 0; i < keys.Count; i++) d[keys[i]] = values[i] / 7.0;
                return d;
            }))
            .ToArbitrary();

    [Property(Arbitrary = [typeof(SummaryWriterTests)])]
    public void Every_required_key_is_present_with_the_measured_value_or_null(Dictionary<string, double> figures)
    {
        var f = new Fragment { Name = "part", GcCollections = 3 };
        foreach (var (k, v) in figures) f.Figures[k] = v;
        JsonObject json = SummaryWriter.BuildJson([f], Info());
        foreach (string key in SummaryWriter.RequiredKeys)
            Assert.True(json.ContainsKey(key), $"missing {key}");
        foreach (string key in SummaryWriter.RequiredKeys.Where(k => k is not ("load_before" or "load_after" or "gc_collections_measured")))
        {
            if (figures.TryGetValue(key, out double v)) Assert.Equal(v, json[key]!.GetValue<double>());
            else Assert.Null(json[key]);
        }
        Assert.Equal(3, json["gc_collections_measured"]!.GetValue<double>());
        Assert.Equal(0.25, json["load_before"]!.GetValue<double>());
        Assert.Equal(1.75, json["load_after"]!.GetValue<double>());
    }

    [Fact]
    public void The_required_keys_are_the_issue_13_list()
    {
        string[] issue =
        [
            "ring_throughput_ops_s", "lmax_throughput_ops_s", "ring_p50_ns", "lmax_p50_ns", "channels_throughput_ops_s",
            "tick_per_holder_ns", "gather_limit_per_holder_ns", "simd_vs_scalar", "simd_vs_naive", "order_check_p50_ns",
            "order_check_p99_ns", "pipeline_inputs_per_s", "pipeline_p99_ns_at_1M_per_s", "e2e_rtt_p50_ns",
            "raw_udp_rtt_p50_ns", "gc_collections_measured", "load_before", "load_after",
        ];
        Assert.Equal(issue.Order(), SummaryWriter.RequiredKeys.Order());
    }

    [Fact]
    public void A_fragment_survives_the_file_round_trip_including_a_NaN()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cm-bench-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var f = new Fragment { Name = "ring", GcCollections = 1 };
            f.Figures["ring_p50_ns"] = 120;
            var s = new LatencySamples(4);
            s.Record(5); s.Record(1);
            f.AddLatency("ring1p1c/ring", s);
            f.Latencies["empty"] = new LatencySamples(1).Summarize(); // no samples: NaN percentiles
            f.Save(dir);
            var back = SummaryWriter.LoadFragments(dir).Single();
            Assert.Equal(120, back.Figures["ring_p50_ns"]);
            Assert.Equal(5, back.Latencies["ring1p1c/ring"].Max);
            Assert.True(double.IsNaN(back.Latencies["empty"].P50));
            Assert.Equal(1, back.GcCollections);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_missed_target_reads_MISSED_and_a_met_one_met()
    {
        var figures = new Dictionary<string, double> { ["ring_throughput_ops_s"] = 90, ["lmax_throughput_ops_s"] = 100, ["order_check_p50_ns"] = 99 };
        var ring = SummaryWriter.Targets.Single(t => t.Key == "ring_throughput_ops_s");
        var order = SummaryWriter.Targets.Single(t => t.Key == "order_check_p50_ns");
        var e2e = SummaryWriter.Targets.Single(t => t.Key == "pipeline_inputs_per_s");
        Assert.StartsWith("MISSED", SummaryWriter.Standing(ring, figures));
        Assert.StartsWith("met", SummaryWriter.Standing(order, figures));
        Assert.Equal("not measured", SummaryWriter.Standing(e2e, figures));
    }
}

/// <summary>The Core benchmarks' BenchmarkDotNet CSV is read into the kernel figures.</summary>
public class BdnCsvTests
{
    [Fact]
    public void The_kernel_report_gives_the_scalar_over_auto_median_ratio()
    {
        string path = Path.Combine(Path.GetTempPath(), "cm-kernel-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllLines(path,
        [
            "Method,Job,Slots,Kernel,Mean,Median,P95",
            "'MarginKernels.Revalue',short,10000,Scalar,\"67,200.0 ns\",67.2 μs,70.1 μs",
            "'MarginKernels.Revalue',short,10000,Auto,21.1 μs,21.0 μs,22.3 μs",
            "'MarginKernels.Revalue',short,1000,Scalar,6.8 μs,6.8 μs,7.0 μs",
            "'MarginKernels.Revalue',short,1000,Auto,\"2,125.0 ns\",\"2,125.0 ns\",2.2 μs",
        ]);
        try
        {
            var f = BdnCsv.KernelFragment(path, 10_000);
            Assert.Equal(3.2, f.Figures["kernel_simd_vs_scalar"], 6);
            Assert.Equal(3.2, f.Figures["kernel_simd_vs_scalar_1000"], 6);
            Assert.Equal(2.1, f.Figures["kernel_per_slot_ns"], 6);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("12.5 ns", 12.5)]
    [InlineData("1,234.5 μs", 1_234_500)]
    [InlineData("2 ms", 2_000_000)]
    [InlineData("1.5 s", 1_500_000_000)]
    public void Time_cells_are_read_in_nanoseconds(string cell, double ns) => Assert.Equal(ns, BdnCsv.TimeNs(cell), 6);

    [Fact]
    public void A_cell_without_a_unit_is_refused() => Assert.Throws<FormatException>(() => BdnCsv.TimeNs("12.5"));
}
