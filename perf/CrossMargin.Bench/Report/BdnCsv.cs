using System.Globalization;
using System.Text;

namespace CrossMargin.Bench.Report;

/// <summary>
/// Reads a BenchmarkDotNet CSV report (comma-separated, fields with commas quoted) so figures of an
/// existing harness run as a subprocess can enter the summary: the raw kernel's SIMD/scalar ratio
/// from perf/CrossMargin.Core.Benchmarks (the kernels are internal to CrossMargin.Core).
/// </summary>
public static class BdnCsv
{
    /// <summary>Rows as column → cell.</summary>
    public static List<Dictionary<string, string>> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty report");
        var header = Split(lines[0]);
        var rows = new List<Dictionary<string, string>>();
        foreach (string line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            var cells = Split(line);
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < header.Count && i < cells.Count; i++) row[header[i]] = cells[i];
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Splits one CSV line; a quoted field may hold commas, "" is a quote.</summary>
    public static List<string> Split(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }

    /// <summary>A BenchmarkDotNet time cell ("1,234.5 μs", "12.3 ns", "2.1 ms", "1.5 s") in nanoseconds.</summary>
    public static double TimeNs(string cell)
    {
        string[] parts = cell.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out double v))
            throw new FormatException($"not a BenchmarkDotNet time: '{cell}'");
        return parts[1] switch
        {
            "ns" => v,
            "μs" or "us" or "µs" => v * 1e3,
            "ms" => v * 1e6,
            "s" => v * 1e9,
            _ => throw new FormatException($"unknown time unit in '{cell}'"),
        };
    }

    /// <summary>
    /// Fragment "kernel" from the Core benchmarks' KernelBenchmarks report: per slot count, scalar
    /// median / Auto median and the Auto kernel's ns per slot; the 10,000-slot figures as headline.
    /// </summary>
    public static Fragment KernelFragment(string csvPath, int headlineSlots)
    {
        var f = new Fragment { Name = "kernel" };
        var rows = Read(csvPath);
        foreach (var group in rows.GroupBy(r => r["Slots"]))
        {
            var scalar = group.FirstOrDefault(r => r["Kernel"] == "Scalar");
            var auto = group.FirstOrDefault(r => r["Kernel"] == "Auto");
            if (scalar is null || auto is null) continue;
            int slots = int.Parse(group.Key, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            double ratio = TimeNs(scalar["Median"]) / TimeNs(auto["Median"]);
            double perSlot = TimeNs(auto["Median"]) / slots;
            f.Figures[$"kernel_simd_vs_scalar_{slots}"] = ratio;
            f.Figures[$"kernel_per_slot_ns_{slots}"] = perSlot;
            if (slots == headlineSlots)
            {
                f.Figures["kernel_simd_vs_scalar"] = ratio;
                f.Figures["kernel_per_slot_ns"] = perSlot;
            }
        }
        f.Notes.Add($"MarginKernels.Revalue alone (no scatter, no health), from perf/CrossMargin.Core.Benchmarks bdn KernelBenchmarks run as a subprocess; medians, Auto vs Scalar ({Path.GetFileName(csvPath)})");
        return f;
    }
}
