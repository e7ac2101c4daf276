using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;

namespace CrossMargin.Core.Scenario;

/// <summary>
/// Runs a scenario (scenario-format.md): one input per line into the state machine, every output
/// event as one JSON line. Stops at the first line that cannot be applied with
/// <c>line N: …</c> and exit code 2; nothing after it is applied.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Exit code of a run stopped by a bad line.</summary>
    public const int ErrorExitCode = 2;

    /// <summary>
    /// Capacities for a scenario of <paramref name="lines"/>: every line can create at most one
    /// account or define at most one instrument or asset, so the line counts bound them.
    /// </summary>
    public static Capacities CapacitiesFor(IReadOnlyList<string> lines)
    {
        int instruments = 0, assets = 0;
        foreach (var l in lines)
        {
            if (l.Contains("\"instrument\"", StringComparison.Ordinal) && l.Contains("\"tickSize\"", StringComparison.Ordinal)) instruments++;
            else if (l.Contains("\"asset\"", StringComparison.Ordinal) && !l.Contains("\"account\"", StringComparison.Ordinal)) assets++;
        }
        return new Capacities
        {
            Accounts = Math.Max(1, lines.Count),
            Instruments = Math.Clamp(instruments, 1, 256),
            Assets = Math.Clamp(assets, 1, 64),
            OrdersPerAccount = Math.Max(1, lines.Count),
        };
    }

    /// <summary>Runs the lines; writes events to <paramref name="stdout"/>, an error to <paramref name="stderr"/>; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> lines, TextWriter stdout, TextWriter stderr, KernelMode kernel = KernelMode.Auto)
    {
        var engine = new RiskEngine(CapacitiesFor(lines), kernel);
        var parser = new ScenarioParser(engine);
        var json = new EventJson(engine);
        var sb = new StringBuilder(256);
        for (int n = 0; n < lines.Count; n++)
        {
            if (!parser.TryParse(lines[n], out var kind, out var input, out var error))
                return Fail(stdout, stderr, n + 1, error!);
            if (kind != LineKind.Input) continue;
            var status = engine.Process(input);
            if (status != ProcessStatus.Applied)
                return Fail(stdout, stderr, n + 1, ProcessStatusText.Describe(status));
            foreach (ref readonly var e in engine.Events.Span)
            {
                sb.Clear();
                json.Write(sb, e, parser.LastInstrumentId);
                sb.Append('\n');
                stdout.Write(sb);
            }
        }
        stdout.Flush();
        return 0;
    }

    private static int Fail(TextWriter stdout, TextWriter stderr, int line, string message)
    {
        stdout.Flush();
        stderr.WriteLine($"line {line}: {message}");
        return ErrorExitCode;
    }

    /// <summary>Reads every line of a reader (the scenario CLI reads a file or stdin whole).</summary>
    public static List<string> ReadLines(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } l) lines.Add(l);
        return lines;
    }
}
