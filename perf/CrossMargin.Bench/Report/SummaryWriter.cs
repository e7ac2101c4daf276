using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossMargin.Bench.Measure;

namespace CrossMargin.Bench.Report;

/// <summary>Where and when a run happened (summary.md's header, summary.json's "machine").</summary>
public sealed record RunInfo(
    string Timestamp, string Mode, string Commit, string CpuModel, string CpuFlags, int Cores,
    string Runtime, string Os, double LoadBefore, double LoadAfter);

/// <summary>A target of issue 13 and how to read it from the figures.</summary>
public sealed record Target(string Text, string Key, double Bound, bool AtMost, string? PeerKey = null);

/// <summary>One of our figures next to a peer's or a machine limit.</summary>
public sealed record Comparison(string Ours, string Reference, string Kind, bool HigherIsBetter);

/// <summary>
/// Merges the fragments of one run into summary.json (one flat object: the required keys first,
/// null where a part did not run, then every other figure) and summary.md (targets, every figure,
/// every ratio to its peer and its limit, percentile tables, notes).
/// </summary>
public static class SummaryWriter
{
    /// <summary>Keys summary.json always has (issue 13); numbers, nanoseconds unless the key names the unit.</summary>
    public static readonly string[] RequiredKeys =
    [
        "ring_throughput_ops_s", "lmax_throughput_ops_s", "ring_p50_ns", "lmax_p50_ns",
        "channels_throughput_ops_s", "tick_per_holder_ns", "gather_limit_per_holder_ns",
        "simd_vs_scalar", "simd_vs_naive", "order_check_p50_ns", "order_check_p99_ns",
        "pipeline_inputs_per_s", "pipeline_p99_ns_at_1M_per_s", "e2e_rtt_p50_ns",
        "raw_udp_rtt_p50_ns", "gc_collections_measured", "load_before", "load_after",
    ];

    /// <summary>The issue's targets. A ratio target's bound is on the key's value itself.</summary>
    public static readonly Target[] Targets =
    [
        new("ring 1P1C throughput ≥ LMAX Disruptor's (same run)", "ring_throughput_ops_s", 1, AtMost: false, PeerKey: "lmax_throughput_ops_s"),
        new("ring 1P1C one-way p50 ≤ LMAX Disruptor's (same run)", "ring_p50_ns", 1, AtMost: true, PeerKey: "lmax_p50_ns"),
        new("bulk revaluation, whole mark tick: SIMD ≥ 4× its scalar twin", "simd_vs_scalar", 4, AtMost: false),
        new("bulk revaluation, kernel alone (full runs): SIMD ≥ 4× its scalar twin", "kernel_simd_vs_scalar", 4, AtMost: false),
        new("bulk revaluation, whole mark tick: SIMD ≥ 20× the naive baseline", "simd_vs_naive", 20, AtMost: false),
        new("tick per holder within 2× of the gather loop", "tick_per_holder_ns", 2, AtMost: true, PeerKey: "gather_limit_per_holder_ns"),
        new("order check p50 ≤ 100 ns in process", "order_check_p50_ns", 100, AtMost: true),
        new("order check p99 ≤ 500 ns in process", "order_check_p99_ns", 500, AtMost: true),
        new("pipeline ≥ 5 M inputs/s", "pipeline_inputs_per_s", 5_000_000, AtMost: false),
        new("pipeline p99 ≤ 2 µs at 1 M inputs/s offered, in process", "pipeline_p99_ns_at_1M_per_s", 2_000, AtMost: true),
        new("0 GC collections in every measured phase", "gc_collections_measured", 0, AtMost: true),
    ];

    /// <summary>Every figure of ours next to its peer and its limit.</summary>
    public static readonly Comparison[] Comparisons =
    [
        new("ring_throughput_ops_s", "lmax_throughput_ops_s", "peer: LMAX Disruptor (Java), same workload", HigherIsBetter: true),
        new("ring_throughput_ops_s", "channels_throughput_ops_s", "peer: System.Threading.Channels", HigherIsBetter: true),
        new("ring_p50_ns", "lmax_p50_ns", "peer: LMAX Disruptor one-way p50", HigherIsBetter: false),
        new("ring_p50_ns", "channels_p50_ns", "peer: Channels one-way p50", HigherIsBetter: false),
        new("ring_p50_ns", "core_handoff_p50_ns", "limit: one cache-line handoff between the cores (ping-pong RTT / 2)", HigherIsBetter: false),
        new("tick_per_holder_ns", "gather_limit_per_holder_ns", "limit: gather-multiply-add-scatter loop", HigherIsBetter: false),
        new("tick_per_holder_ns", "naive_tick_per_holder_ns", "peer: naive object-per-position", HigherIsBetter: false),
        new("tick_per_holder_ns", "scalar_tick_per_holder_ns", "peer: scalar twin", HigherIsBetter: false),
        new("gather_limit_per_holder_ns", "triad_per_holder_ns", "limit below the limit: triad streaming the same bytes", HigherIsBetter: false),
        new("order_check_p50_ns", "engine_order_check_floor_ns", "limit: timer pair overhead included in each sample", HigherIsBetter: false),
        new("pipeline_inputs_per_s", "engine_direct_inputs_per_s", "limit: the engine alone on one thread, same mix", HigherIsBetter: true),
        new("e2e_rtt_p50_ns", "raw_udp_rtt_p50_ns", "limit: raw UDP ping-pong on loopback", HigherIsBetter: false),
        new("e2e_rtt_p50_ns", "pipeline_p50_ns_at_10k_per_s", "part: in-process pipeline p50 at 10k/s", HigherIsBetter: false),
    ];

    /// <summary>All fragment figures merged (later fragments win on a clash), plus the derived ones.</summary>
    public static SortedDictionary<string, double> MergeFigures(IReadOnlyList<Fragment> fragments, RunInfo info)
    {
        var figures = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var f in fragments)
            foreach (var (k, v) in f.Figures) figures[k] = v;
        if (fragments.Count > 0) figures["gc_collections_measured"] = fragments.Sum(f => f.GcCollections);
        figures["load_before"] = info.LoadBefore;
        figures["load_after"] = info.LoadAfter;
        return figures;
    }

    /// <summary>summary.json: required keys first (null when not measured), then every other figure, then context.</summary>
    public static JsonObject BuildJson(IReadOnlyList<Fragment> fragments, RunInfo info)
    {
        var figures = MergeFigures(fragments, info);
        var o = new JsonObject();
        foreach (string k in RequiredKeys) o[k] = Number(figures, k);
        foreach (var (k, v) in figures)
            if (!o.ContainsKey(k)) o[k] = Number(figures, k);
        o["machine"] = JsonSerializer.SerializeToNode(info);
        var targets = new JsonArray();
        foreach (var t in Targets)
            targets.Add(new JsonObject { ["target"] = t.Text, ["standing"] = Standing(t, figures) });
        o["targets"] = targets;
        var lat = new JsonObject();
        foreach (var f in fragments)
            foreach (var (name, row) in f.Latencies)
                lat[name] = JsonSerializer.SerializeToNode(row, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        o["latencies"] = lat;
        return o;
    }

    private static JsonNode? Number(IDictionary<string, double> figures, string key) =>
        figures.TryGetValue(key, out double v) && double.IsFinite(v) ? JsonValue.Create(v) : null;

    /// <summary>"met (…)", "missed (…)" or "not measured".</summary>
    public static string Standing(Target t, IDictionary<string, double> figures)
    {
        if (!figures.TryGetValue(t.Key, out double v) || !double.IsFinite(v)) return "not measured";
        double bound = t.Bound;
        if (t.PeerKey is { } peer)
        {
            if (!figures.TryGetValue(peer, out double p) || !double.IsFinite(p) || p == 0) return "not measured (no peer figure)";
            bound *= p;
        }
        bool met = t.AtMost ? v <= bound : v >= bound;
        string detail = t.PeerKey is null
            ? $"{Fmt(v)} vs {Fmt(bound)}"
            : $"{Fmt(v)} vs {Fmt(figures[t.PeerKey])} → {Fmt(v / figures[t.PeerKey])}×";
        return (met ? "met" : "MISSED") + " (" + detail + ")";
    }

    /// <summary>summary.md.</summary>
    public static string BuildMarkdown(IReadOnlyList<Fragment> fragments, RunInfo info, IReadOnlyList<string> plots)
    {
        var figures = MergeFigures(fragments, info);
        var md = new StringBuilder();
        md.AppendLine($"# CrossMargin benchmark run {info.Timestamp} ({info.Mode})");
        md.AppendLine();
        md.AppendLine($"- machine: {info.CpuModel}, {info.Cores} logical CPUs; runtime {info.Runtime}; {info.Os}; commit {info.Commit}");
        md.AppendLine($"- CPU flags (SIMD): {info.CpuFlags}");
        md.AppendLine($"- load average (1 min) before {Fmt(info.LoadBefore)}, after {Fmt(info.LoadAfter)}" +
                      (Math.Max(info.LoadBefore, info.LoadAfter) > 0.5 * info.Cores ? $" — **busy machine** (load > {0.5 * info.Cores:F1}): tails and throughput are pessimistic" : ""));
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | standing |");
        md.AppendLine("|---|---|");
        foreach (var t in Targets) md.AppendLine($"| {t.Text} | {Standing(t, figures)} |");
        md.AppendLine();
        md.AppendLine("## Ratios to peers and limits");
        md.AppendLine();
        md.AppendLine("| ours | value | reference | value | ours / reference |");
        md.AppendLine("|---|---:|---|---:|---:|");
        foreach (var c in Comparisons)
        {
            if (!figures.TryGetValue(c.Ours, out double a) || !figures.TryGetValue(c.Reference, out double b)) continue;
            string verdict = a == b ? "equal" : (a > b) == c.HigherIsBetter ? "better" : "worse";
            md.AppendLine($"| {c.Ours} | {Fmt(a)} | {c.Kind} (`{c.Reference}`) | {Fmt(b)} | {Fmt(a / b)}× ({verdict}) |");
        }
        md.AppendLine();
        md.AppendLine("## Every figure");
        md.AppendLine();
        md.AppendLine("| key | value |");
        md.AppendLine("|---|---:|");
        foreach (string k in RequiredKeys) md.AppendLine($"| **{k}** | {(figures.TryGetValue(k, out double v) ? Fmt(v) : "not measured")} |");
        foreach (var (k, v) in figures)
            if (Array.IndexOf(RequiredKeys, k) < 0) md.AppendLine($"| {k} | {Fmt(v)} |");
        md.AppendLine();
        md.AppendLine("## Latency distributions (ns)");
        md.AppendLine();
        md.AppendLine("| distribution | samples | p50 | p90 | p99 | p99.9 | p99.99 | max |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var f in fragments)
            foreach (var (name, r) in f.Latencies)
                md.AppendLine($"| {name} | {r.Count:N0} | " + string.Join(" | ", r.Cells().Select(Fmt)) + " |");
        md.AppendLine();
        if (plots.Count > 0)
        {
            md.AppendLine("## Plots");
            md.AppendLine();
            foreach (string p in plots) md.AppendLine($"![{p}]({p})");
            md.AppendLine();
        }
        md.AppendLine("## Notes");
        md.AppendLine();
        foreach (var f in fragments)
        {
            md.AppendLine($"- **{f.Name}**: GC collections in measured phases {f.GcCollections}");
            foreach (string n in f.Notes) md.AppendLine($"  - {n}");
        }
        return md.ToString();
    }

    /// <summary>A number for people: integers with separators, small values with 3 significant digits.</summary>
    public static string Fmt(double v)
    {
        if (!double.IsFinite(v)) return "n/a";
        double a = Math.Abs(v);
        return a >= 100 || (v == Math.Floor(v) && a < 1e15) ? v.ToString("N0", CultureInfo.InvariantCulture)
            : a < 0.01 ? v.ToString("G3", CultureInfo.InvariantCulture)
            : a >= 10 ? v.ToString("F1", CultureInfo.InvariantCulture)
            : v.ToString("F2", CultureInfo.InvariantCulture);
    }

    /// <summary>Loads every fragment in <paramref name="dir"/> (sorted by name, so the output is stable).</summary>
    public static List<Fragment> LoadFragments(string dir)
    {
        var list = new List<Fragment>();
        if (!Directory.Exists(dir)) return list;
        foreach (string f in Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal)) list.Add(Fragment.Load(f));
        return list;
    }

    /// <summary>The percentile rows a plot draws, by distribution name, from every fragment.</summary>
    public static IEnumerable<(string Name, double[][] Curve)> Curves(IReadOnlyList<Fragment> fragments) =>
        fragments.SelectMany(f => f.Curves.Select(c => (c.Key, c.Value)));

    internal static PercentileRow? Row(IReadOnlyList<Fragment> fragments, string name) =>
        fragments.Select(f => f.Latencies.GetValueOrDefault(name)).FirstOrDefault(r => r is not null);
}
