using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CrossMargin.Gate.Cli;
using CrossMargin.Gate.Telemetry;

namespace CrossMargin.Gate.Operator;

/// <summary>
/// <c>crossmargin stat</c>: reads a gate's counters file from another process, once or live, and
/// prints every counter grouped by its prefix, with rates when live.
/// </summary>
public static class StatCommand
{
    /// <summary>Reads (and with <paramref name="watch"/> re-reads) <paramref name="path"/>; exit 0, or 1 when the file cannot be read.</summary>
    public static int Execute(string path, bool watch, TimeSpan interval, TextWriter output)
    {
        if (!CountersReader.TryRead(path, out var snapshot, out var error)) throw new CliException(error!, 1);
        if (!watch)
        {
            output.Write(Render(path, snapshot!, null, 0));
            return 0;
        }
        using var stop = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Set(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Set(); });
        bool terminal = !Console.IsOutputRedirected;
        var clock = Stopwatch.StartNew();
        CountersSnapshot? previous = null;
        while (true)
        {
            double seconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            string text = Render(path, snapshot!, previous, seconds);
            if (terminal) output.Write("\u001b[H\u001b[2J"); // home + clear: a live view in place
            output.Write(text);
            if (!terminal) output.WriteLine();
            output.Flush();
            previous = snapshot;
            if (stop.Wait(interval)) return 0;
            if (!CountersReader.TryRead(path, out snapshot, out error)) throw new CliException(error!, 1);
        }
    }

    /// <summary>The text of one reading; with a previous reading, per-second rates of the counters that moved.</summary>
    public static string Render(string path, CountersSnapshot s, CountersSnapshot? previous, double seconds)
    {
        var sb = new StringBuilder();
        var age = DateTimeOffset.UtcNow - s.Updated;
        bool alive = IsAlive(s.Pid);
        sb.Append(CultureInfo.InvariantCulture, $"{path}: gate pid {s.Pid} {(alive ? "running" : "not running")}, state {s.State.ToString().ToLowerInvariant()}, started {s.Started:yyyy-MM-dd HH:mm:ss}Z, updated {age.TotalSeconds:F1} s ago");
        if (alive && age > TimeSpan.FromSeconds(5) && s.State is GateState.Running) sb.Append(" (STALE: the gate stopped publishing)");
        sb.Append('\n');
        string group = "";
        for (int i = 0; i < s.Labels.Count; i++)
        {
            string label = s.Labels[i];
            int dot = label.LastIndexOf('.');
            string g = dot < 0 ? "" : label[..dot];
            string name = dot < 0 ? label : label[(dot + 1)..];
            if (g != group)
            {
                sb.Append(g.Length == 0 ? "" : $"{g}:\n");
                group = g;
            }
            sb.Append(CultureInfo.InvariantCulture, $"  {name,-28} {s.Values[i],18:N0}");
            if (previous is not null && seconds > 0 && i < previous.Values.Length && previous.Labels[i] == label && s.Values[i] != previous.Values[i] && !IsLevel(label))
                sb.Append(CultureInfo.InvariantCulture, $"  {(s.Values[i] - previous.Values[i]) / seconds,12:N0}/s");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    // Levels (occupancy, census, percentiles) are not rates.
    private static bool IsLevel(string label) =>
        label.StartsWith("health.", StringComparison.Ordinal) || label.StartsWith("ring.", StringComparison.Ordinal) || label.StartsWith("latency", StringComparison.Ordinal)
        || label.Contains("_ns.", StringComparison.Ordinal) || label is "accounts" or "insurance_fund_micros" or "uptime_seconds";

    private static bool IsAlive(long pid)
    {
        try { using var p = Process.GetProcessById((int)pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
