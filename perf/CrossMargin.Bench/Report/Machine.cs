using System.Runtime.InteropServices;

namespace CrossMargin.Bench.Report;

/// <summary>What the machine is: CPU model, SIMD flags, runtime (Linux /proc; "n/a" elsewhere).</summary>
public static class Machine
{
    private static readonly string[] SimdFlags = ["sse4_2", "avx", "avx2", "fma", "bmi2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi"];

    /// <summary>The CPU model name.</summary>
    public static string CpuModel() => CpuInfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    /// <summary>The SIMD-relevant CPU flags present, space-separated.</summary>
    public static string CpuFlags()
    {
        var flags = (CpuInfo("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var present = SimdFlags.Where(flags.Contains).ToList();
        return present.Count == 0 ? "n/a" : string.Join(' ', present);
    }

    /// <summary>The 1-minute load average, NaN when unknown.</summary>
    public static double LoadAverage()
    {
        try
        {
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return double.NaN; }
        catch (UnauthorizedAccessException) { return double.NaN; }
    }

    private static string? CpuInfo(string key)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith(key, StringComparison.Ordinal) && line.IndexOf(':') is int c and > 0)
                    return line[(c + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
