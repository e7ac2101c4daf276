using System.Globalization;
using CrossMargin.Scenario;
using CrossMargin.Core.Trigger;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Demo;
using CrossMargin.Gate.Host;

namespace CrossMargin.Gate;

/// <summary>The <c>crossmargin</c> command line.</summary>
public static class Program
{
    private const string Usage = """
        usage: crossmargin <command> [options]
          demo [--seconds N] [--accounts N] [--rate N] [--config FILE] [--journal FILE]
                             the gate on the embedded default config, fed by a simulated exchange over
                             Aeron UDP on loopback; prints throughput, decisions, liquidations, latency,
                             and proves that replaying its input journal reproduces the state hash
          run [--config FILE] [--seconds N] [--journal FILE]
                             the gate alone: subscribes to the configured Aeron channels until Ctrl+C;
                             with a journal, replays it first and appends every input before its decisions
          replay FILE [--config FILE]
                             replays an input journal into a fresh engine; prints inputs and state hash
          scenario [--trigger index|scan] FILE|-
                             run a scenario (JSON lines) through the risk state machine; events to stdout;
                             --trigger picks how mark ticks find parts to re-evaluate (default index)
          config [--config FILE]
                             validate a configuration and print the embedded default when none is given
        """;

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help") { Console.Error.WriteLine(Usage); return args.Length == 0 ? 2 : 0; }
        try
        {
            return args[0] switch
            {
                "scenario" when args.Length == 2 => RunScenario(args[1], TriggerMode.Index),
                "scenario" when args.Length == 4 && args[1] == "--trigger" => TriggerModes.TryParse(args[2], out var trigger)
                    ? RunScenario(args[3], trigger) : Fail($"--trigger: '{args[2]}' is not index | scan"),
                "scenario" => Fail("usage: crossmargin scenario [--trigger index|scan] FILE|-"),
                "demo" => Demo(Options.Parse(args.AsSpan(1), "seconds", "accounts", "rate", "config", "journal")),
                "run" => RunGate(Options.Parse(args.AsSpan(1), "config", "seconds", "journal")),
                "replay" when args.Length >= 2 => Replay(args[1], Options.Parse(args.AsSpan(2), "config")),
                "replay" => Fail("usage: crossmargin replay FILE [--config FILE]"),
                "config" => CheckConfig(Options.Parse(args.AsSpan(1), "config")),
                _ => Fail($"unknown command '{args[0]}'\n{Usage}"),
            };
        }
        catch (UsageException ex) { return Fail(ex.Message); }
        catch (GateConfigException ex) { return Fail(ex.Message); }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"crossmargin: {message}");
        return 2;
    }

    private static GateConfig LoadConfig(Options o)
    {
        string? path = o.Get("config");
        GateConfig config;
        if (path is null) config = GateConfig.LoadDefault();
        else
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new UsageException($"cannot read config '{path}': {ex.Message}"); }
            config = GateConfig.Parse(text);
        }
        return o.Get("journal") is { } journal ? config.WithJournal(journal, config.JournalFsync) : config;
    }

    private static int Replay(string path, Options o)
    {
        var engine = LoadConfig(o).BuildEngine();
        long n;
        try { n = Gate.Journal.InputJournal.Replay(path, engine); }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException) { return Fail($"replay: {ex.Message}"); }
        Console.WriteLine($"replayed {n:N0} inputs; accounts {engine.AccountCount:N0}; insurance fund {engine.FundBalance / 1e6:N2} USD; state hash {engine.StateHash():x16}");
        return 0;
    }

    private static int Demo(Options o)
    {
        var config = LoadConfig(o);
        bool temporary = config.JournalPath is null;
        if (temporary) config = config.WithJournal(Path.Combine(Path.GetTempPath(), $"crossmargin-demo-{Environment.ProcessId}.journal"));
        else if (File.Exists(config.JournalPath)) return Fail($"demo: journal '{config.JournalPath}' exists; the demo starts from an empty state");
        try
        {
            return DemoCommand.Run(config, o.Int("seconds", 10, 1, 3600), o.Int("accounts", 2000, 1, 50_000_000), o.Int("rate", 50_000, 1, 10_000_000), Console.Out);
        }
        finally
        {
            if (temporary) File.Delete(config.JournalPath!);
        }
    }

    private static int RunGate(Options o)
    {
        var config = LoadConfig(o);
        int seconds = o.Int("seconds", 0, 0, int.MaxValue);
        using var stop = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
        using var gate = GateHost.Start(config);
        Console.WriteLine($"gate running: market data {config.MarketData.Channel}/{config.MarketData.StreamId}, order flow {config.OrderFlow.Channel}/{config.OrderFlow.StreamId}, decisions {config.Decisions.Channel}/{config.Decisions.StreamId}; Ctrl+C stops");
        var until = seconds > 0 ? DateTime.UtcNow.AddSeconds(seconds) : DateTime.MaxValue;
        while (!stop.Wait(TimeSpan.FromSeconds(5)) && DateTime.UtcNow < until && gate.Fault is null)
            Console.WriteLine($"inputs {gate.ProcessorCounters.Inputs:N0}  decisions {gate.Counters.DecisionsSent:N0}  decode rejects {gate.Counters.DecodeRejects}  sequence gaps {gate.Counters.SequenceGaps}");
        bool drained = gate.Stop(TimeSpan.FromSeconds(10));
        if (gate.Fault is not null) { Console.Error.WriteLine($"crossmargin: network thread failed: {gate.Fault}"); return 1; }
        return drained ? 0 : 1;
    }

    private static int CheckConfig(Options o)
    {
        if (o.Get("config") is null) { Console.Write(GateConfig.DefaultJson()); return 0; }
        var config = LoadConfig(o);
        Console.WriteLine($"config OK: {config.Instruments.Count} instruments, {config.Assets.Count + 1} assets, capacity {config.Capacities.Accounts:N0} accounts");
        return 0;
    }

    private static int RunScenario(string path, TriggerMode trigger)
    {
        List<string> lines;
        try
        {
            using TextReader reader = path == "-" ? Console.In : new StreamReader(path);
            lines = ScenarioRunner.ReadLines(reader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return Fail($"cannot read '{path}': {ex.Message}"); }
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
        int code = ScenarioRunner.Run(lines, stdout, Console.Error, trigger: trigger);
        stdout.Flush();
        return code;
    }

    /// <summary><c>--name value</c> options, each known and given at most once.</summary>
    private sealed class Options
    {
        private readonly Dictionary<string, string> _values = [];

        public static Options Parse(ReadOnlySpan<string> args, params string[] known)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (!a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{a}'");
                string name = a[2..];
                if (Array.IndexOf(known, name) < 0) throw new UsageException($"unknown option '{a}' (known: {string.Join(", ", known.Select(k => "--" + k))})");
                if (i + 1 >= args.Length) throw new UsageException($"option '{a}' needs a value");
                if (!o._values.TryAdd(name, args[++i])) throw new UsageException($"option '{a}' given twice");
            }
            return o;
        }

        public string? Get(string name) => _values.GetValueOrDefault(name);

        public int Int(string name, int fallback, int min, int max)
        {
            if (!_values.TryGetValue(name, out var s)) return fallback;
            if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
                throw new UsageException($"--{name} must be an integer in {min}..{max}, not '{s}'");
            return v;
        }
    }

    private sealed class UsageException(string message) : Exception(message);
}
