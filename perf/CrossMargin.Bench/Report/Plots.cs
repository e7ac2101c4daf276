using System.Globalization;

namespace CrossMargin.Bench.Report;

/// <summary>
/// Percentile-distribution plots (HdrHistogram style): x = percentile on a log scale of
/// 1/(1 − p), so p50 … p99.99 are evenly spaced; y = latency on a log scale. One PNG per group of
/// distributions (the part of the name before '/').
/// </summary>
public static class Plots
{
    /// <summary>Writes one PNG per group into <paramref name="dir"/>; returns the file names.</summary>
    public static List<string> Write(IReadOnlyList<Fragment> fragments, string dir)
    {
        var files = new List<string>();
        var groups = SummaryWriter.Curves(fragments)
            .Where(c => c.Curve.Length > 1)
            .GroupBy(c => c.Name.Contains('/') ? c.Name[..c.Name.IndexOf('/')] : c.Name);
        foreach (var g in groups)
        {
            var plt = new ScottPlot.Plot();
            double maxY = 1;
            foreach (var (name, curve) in g)
            {
                double[] xs = curve.Select(p => Math.Log10(100.0 / Math.Max(1e-9, 100.0 - p[0]))).ToArray();
                double[] ys = curve.Select(p => Math.Log10(Math.Max(1.0, p[1]))).ToArray();
                maxY = Math.Max(maxY, ys.Max());
                var s = plt.Add.Scatter(xs, ys);
                s.LegendText = name.Contains('/') ? name[(name.IndexOf('/') + 1)..] : name;
                s.MarkerSize = 3;
            }
            var xt = new ScottPlot.TickGenerators.NumericManual();
            string[] labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];
            for (int k = 0; k < labels.Length; k++) xt.AddMajor(k, labels[k]);
            xt.AddMajor(Math.Log10(2), "50%");
            plt.Axes.Bottom.TickGenerator = xt;
            var yt = new ScottPlot.TickGenerators.NumericManual();
            for (int e = 0; e <= Math.Ceiling(maxY); e++) yt.AddMajor(e, NsLabel(Math.Pow(10, e)));
            plt.Axes.Left.TickGenerator = yt;
            plt.Title($"{g.Key}: latency by percentile");
            plt.XLabel("percentile");
            plt.YLabel("latency (log scale)");
            plt.ShowLegend(ScottPlot.Alignment.UpperLeft);
            string file = $"{g.Key}.png";
            plt.SavePng(Path.Combine(dir, file), 1000, 600);
            files.Add(file);
        }
        return files;
    }

    private static string NsLabel(double ns) => ns switch
    {
        < 1_000 => ns.ToString("0", CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (ns / 1_000).ToString("0", CultureInfo.InvariantCulture) + " µs",
        < 1_000_000_000 => (ns / 1_000_000).ToString("0", CultureInfo.InvariantCulture) + " ms",
        _ => (ns / 1e9).ToString("0", CultureInfo.InvariantCulture) + " s",
    };
}
