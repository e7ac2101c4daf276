using System.Text.Json;
using System.Text.Json.Serialization;
using CrossMargin.Bench.Measure;

namespace CrossMargin.Bench.Report;

/// <summary>
/// What one measurement mode (one process) found: named figures, latency percentile rows, curves
/// for the plots, GC collections of its measured phases and free-text notes. Each mode writes one
/// fragment file; <see cref="SummaryWriter"/> merges them.
/// </summary>
public sealed class Fragment
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Mode name (file name without extension).</summary>
    public string Name { get; set; } = "";

    /// <summary>Figures by key (ns unless the key names its unit).</summary>
    public SortedDictionary<string, double> Figures { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Percentile rows by distribution name.</summary>
    public SortedDictionary<string, PercentileRow> Latencies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Percentile-distribution curves ([percentile, ns] points) by distribution name.</summary>
    public SortedDictionary<string, double[][]> Curves { get; set; } = new(StringComparer.Ordinal);

    /// <summary>GC collections (all generations) during the measured phases.</summary>
    public int GcCollections { get; set; }

    /// <summary>What the reader must know to interpret the figures.</summary>
    public List<string> Notes { get; set; } = [];

    /// <summary>Adds a distribution's percentile row and curve under <paramref name="name"/>.</summary>
    public PercentileRow AddLatency(string name, LatencySamples samples)
    {
        var row = samples.Summarize();
        Latencies[name] = row;
        Curves[name] = samples.Curve();
        if (samples.Dropped > 0) Notes.Add($"{name}: {samples.Dropped:N0} samples beyond the preallocated {samples.Count:N0} were not kept");
        return row;
    }

    /// <summary>Adds the GC collections of a measured phase.</summary>
    public void AddGc(GcCounts since) => GcCollections += since.Total;

    /// <summary>Writes the fragment to <c>dir/Name.json</c>.</summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, Name + ".json"), JsonSerializer.Serialize(this, Json));
    }

    /// <summary>Reads a fragment file.</summary>
    public static Fragment Load(string path) =>
        JsonSerializer.Deserialize<Fragment>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty fragment");
}
