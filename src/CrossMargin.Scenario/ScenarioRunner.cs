using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Scenario;

/// <summary>
/// Runs a scenario (scenario-format.md): one input per line into the state machine, every output
/// event as one JSON line. Stops at the first line that cannot be applied with
/// <c>line N: …</c> and exit code 2; nothing after it is applied.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Exit code of a run stopped by a bad line.</summary>
    public const int ErrorExitCode = 2;

    /// <summary>Open orders per account are capped so that accounts × orders stays at most this many order slots.</summary>
    public const int MaxOrderSlots = 1 << 22;

    /// <summary>
    /// Capacities for a scenario, from one JSON pre-scan of its lines (so escaped keys and values
    /// count like plain ones): accounts = distinct accounts that deposit, instruments and assets =
    /// their definitions, open orders per account = the most order lines of one account, capped so
    /// that accounts × orders ≤ <see cref="MaxOrderSlots"/> (beyond it an order is answered
    /// <c>too_many_orders</c>, never a crash). Lines that are not valid JSON are skipped here: the run
    /// stops at them with their error anyway.
    /// </summary>
    public static Capacities CapacitiesFor(IReadOnlyList<string> lines)
    {
        int instruments = 0, assets = 0, maxOrders = 0;
        var depositors = new HashSet<long>();
        var orders = new Dictionary<long, int>();
        foreach (var l in lines)
        {
            if (string.IsNullOrWhiteSpace(l)) continue;
            if (!ScanLine(l, out string? type, out long account)) continue;
            switch (type)
            {
                case "instrument": instruments++; break;
                case "asset": assets++; break;
                case "deposit" when account >= 0: depositors.Add(account); break;
                case "order" when account >= 0:
                    orders.TryGetValue(account, out int n);
                    orders[account] = ++n;
                    maxOrders = Math.Max(maxOrders, n);
                    break;
            }
        }
        int accounts = Math.Max(1, depositors.Count);
        return new Capacities
        {
            Accounts = accounts,
            Instruments = Math.Clamp(instruments, 1, 256),
            Assets = Math.Clamp(assets, 1, 64),
            OrdersPerAccount = Math.Clamp(maxOrders, 1, Math.Max(1, MaxOrderSlots / (accounts + 1))),
        };
    }

    /// <summary>The "type" and "account" of one line through the JSON reader; false when it is not a JSON object.</summary>
    private static bool ScanLine(string line, out string? type, out long account)
    {
        type = null; account = -1;
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(line));
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8), isAccount = reader.ValueTextEquals("account"u8);
                if (!reader.Read()) return false;
                if (isType && reader.TokenType == System.Text.Json.JsonTokenType.String) type = reader.GetString();
                else if (isAccount && reader.TokenType == System.Text.Json.JsonTokenType.Number && reader.TryGetInt64(out long a)) account = a;
                reader.Skip();
            }
            return true;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException) { return false; }
    }

    /// <summary>Runs the lines; writes events to <paramref name="stdout"/>, an error to <paramref name="stderr"/>; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> lines, TextWriter stdout, TextWriter stderr, KernelMode kernel = KernelMode.Auto, TriggerMode trigger = TriggerMode.Index)
    {
        var engine = new RiskEngine(CapacitiesFor(lines), kernel, trigger);
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
