using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Gate.Cli;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Telemetry;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CrossMargin.Gate.Demo;

/// <summary>Options of <c>crossmargin demo</c>.</summary>
public sealed record DemoOptions
{
    /// <summary>The validated configuration.</summary>
    public required GateConfig Config { get; init; }
    /// <summary>Journal file (must not exist); null: a temporary one.</summary>
    public string? JournalPath { get; init; }
    /// <summary>Seconds of offered load.</summary>
    public int Seconds { get; init; } = 10;
    /// <summary>Simulated accounts.</summary>
    public int Accounts { get; init; } = 2000;
    /// <summary>Offered inputs per second.</summary>
    public double Rate { get; init; } = 50_000;
    /// <summary>Plain lines even on a terminal.</summary>
    public bool Plain { get; init; }
    /// <summary>Counters file (null: the configuration's default).</summary>
    public string? CountersPath { get; init; }
    /// <summary>Prometheus port on 127.0.0.1 (0: off).</summary>
    public int PrometheusPort { get; init; }
}

/// <summary>
/// <c>crossmargin demo</c>: the gate on the embedded default configuration, fed by a simulated
/// exchange over Aeron UDP on loopback; a live view (plain lines when stdout is not a terminal), then
/// what happened, an explicit line when the gate fell behind the offered rate, and the end checks.
/// </summary>
public static class DemoCommand
{
    /// <summary>Extra counters the demo publishes after the gate's.</summary>
    public static readonly string[] ExtraCounters =
        [.. GateTelemetry.Percentiles.Select(p => "demo.round_trip_ns.p" + GateTelemetry.PercentileName(p)), "demo.offered", "demo.sent"];

    /// <summary>Runs the demo from command-line options; the exit code.</summary>
    public static int Execute(DemoOptions o)
    {
        var config = o.Config;
        bool temporary = o.JournalPath is null;
        string journal = o.JournalPath ?? Path.Combine(Path.GetTempPath(), $"crossmargin-demo-{Environment.ProcessId}.journal");
        if (File.Exists(journal)) throw new CliException($"--journal: '{journal}' is a file; a journal is a directory of segments");
        if (Directory.Exists(journal)) throw new CliException($"--journal: '{journal}' exists; the demo starts from an empty state");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(journal));
        if (dir is not null && !Directory.Exists(dir)) throw new CliException($"--journal: directory '{dir}' does not exist");
        config = config.WithJournal(journal);
        try
        {
            return Run(config, o.Seconds, o.Accounts, o.Rate, Console.Out, live: !o.Plain && !Console.IsOutputRedirected, o.CountersPath, o.PrometheusPort);
        }
        finally
        {
            if (temporary && Directory.Exists(journal)) Directory.Delete(journal, recursive: true);
        }
    }

    /// <summary>Runs the demo; returns the exit code (0: the run was clean and the ledger balances).</summary>
    public static int Run(GateConfig config, int seconds, int accounts, double rate, TextWriter output, bool live = false, string? countersPath = null, int prometheusPort = 0)
    {
        if (accounts > config.Capacities.Accounts) throw new CliException($"--accounts {accounts} exceeds the configured capacity {config.Capacities.Accounts}");
        output.WriteLine($"CrossMargin demo: {accounts} accounts, {config.Instruments.Count} instruments, {rate:N0} inputs/s offered for {seconds} s");
        output.WriteLine($"  market data {config.MarketData.Channel} stream {config.MarketData.StreamId}; order flow {config.OrderFlow.Channel} stream {config.OrderFlow.StreamId}; decisions {config.Decisions.Channel} stream {config.Decisions.StreamId}");
        var wall = Stopwatch.StartNew();
        IGate started;
        try { started = GateHost.Start(config); }
        catch (System.Net.Sockets.SocketException ex) { throw new CliException($"cannot open the demo's Aeron channels ({ex.Message}); is a gate already running on them?", 1); }
        using var gate = started;
        using var telemetry = new TelemetryPublisher(gate, countersPath ?? GateTelemetryFiles.DefaultPath(config), prometheusPort, ExtraCounters);
        output.WriteLine($"  counters: {telemetry.Path} (crossmargin stat --counters {telemetry.Path} --watch){(telemetry.MetricsUrl is { } url ? $"; metrics {url}" : "")}");
        output.Flush();
        var exchange = new SimulatedExchange(config, accounts, rate, TimeSpan.FromSeconds(seconds));
        using var stop = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Set(); });
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var extras = new long[ExtraCounters.Length];
        var rtt = new long[new LatencyBuckets().Length];
        void PublishCounters(GateState state)
        {
            exchange.Stats.LiveRoundTrip.CopyTo(rtt);
            for (int i = 0; i < GateTelemetry.Percentiles.Length; i++) extras[i] = LatencyBuckets.Percentile(rtt, GateTelemetry.Percentiles[i]);
            extras[^2] = (long)(Math.Min(wall.Elapsed.TotalSeconds, seconds) * rate);
            extras[^1] = exchange.Stats.Sent;
            telemetry.Publish(state, extras);
        }
        PublishCounters(GateState.Running);
        var previous = telemetry.Values.ToArray();
        var tick = Stopwatch.StartNew();
        if (live)
        {
            AnsiConsole.Live(new Text("starting…")).AutoClear(false).Start(ctx =>
            {
                while (!exchange.Finished && gate.Fault is null && !stop.Wait(250))
                {
                    PublishCounters(GateState.Running);
                    if (tick.Elapsed < TimeSpan.FromSeconds(1)) continue;
                    ctx.UpdateTarget(View(telemetry.Labels, telemetry.Values.ToArray(), previous, tick.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds, seconds, extras));
                    previous = telemetry.Values.ToArray();
                    tick.Restart();
                }
            });
        }
        else
        {
            while (!exchange.Finished && gate.Fault is null && !stop.Wait(250))
            {
                PublishCounters(GateState.Running);
                if (tick.Elapsed < TimeSpan.FromSeconds(1)) continue;
                output.WriteLine($"  t={wall.Elapsed.TotalSeconds,5:F1}s  " + GateTelemetry.StatusLine(telemetry.Labels, telemetry.Values, previous, tick.Elapsed.TotalSeconds)
                    + string.Create(CultureInfo.InvariantCulture, $"  round trip p99 {extras[2] / 1000.0:F1} µs"));
                output.Flush();
                previous = telemetry.Values.ToArray();
                tick.Restart();
            }
        }
        bool interrupted = stop.IsSet;
        exchange.Dispose();
        PublishCounters(GateState.Draining);
        bool drained = gate.Stop(TimeSpan.FromSeconds(10));
        PublishCounters(drained ? GateState.Stopped : GateState.Failed);
        var engine = gate.Engine;
        var s = exchange.Stats;
        var c = gate.Counters;
        var p = gate.ProcessorCounters;
        output.WriteLine();
        if (interrupted) output.WriteLine("demo: interrupted (SIGINT); results below cover the part that ran");
        output.WriteLine($"timing: load {s.LoadSeconds:F1} s (asked {seconds} s), drain {s.DrainSeconds:F1} s{(s.DrainCut ? $" (cut at its {SimulatedExchange.DrainBound.TotalSeconds:F0} s bound)" : "")}, whole run so far {wall.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("exchange → gate");
        output.WriteLine($"  inputs offered {s.Offered:N0} ({rate:N0}/s × {seconds} s), generated {s.Generated:N0}, sent {s.Sent:N0} (market data {s.MarketDataSent:N0}, orders {s.OrdersSent:N0}, fills {s.FillsSent:N0}, liquidation fills {s.LiquidationFillsSent:N0}, deposits {s.DepositsSent:N0}, queries {s.QueriesSent:N0})");
        bool behind = s.Offered > 0 && s.Generated < s.Offered * 0.98; // more than 2 % of the schedule never sent
        if (behind)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  FELL BEHIND: the gate took {s.Generated / Math.Max(s.LoadSeconds, 1e-9):N0} inputs/s of the {rate:N0}/s offered ({100.0 * s.Generated / s.Offered:F1} %); {s.Offered - s.Generated:N0} scheduled inputs were never sent; the latency below counts from each input's scheduled time"));
        output.WriteLine($"  gate received {c.FragmentsReceived:N0} fragments, published {c.InputsPublished:N0} inputs; decode rejects {c.DecodeRejects}, sequence gaps {c.SequenceGaps}, inbound throttled cycles {c.InboundThrottled}");
        output.WriteLine($"  risk processor: {p.Inputs:N0} inputs, {p.Outputs:N0} outputs, {p.InputErrors} input errors");
        output.WriteLine("gate → exchange");
        output.WriteLine($"  decisions sent {c.DecisionsSent:N0} (back-pressure retries {c.DecisionBackPressure}); received: accepted {s.Accepted:N0}, rejected {s.Rejected:N0}, health {s.HealthEvents:N0} ({s.ToLiquidating:N0} to liquidating), cancel_all {s.CancelAlls:N0}, liquidation orders {s.LiquidationOrders:N0}, takeovers {s.Takeovers:N0}, ADL {s.AdlEvents:N0}, snapshots {s.Snapshots:N0}, input errors {s.InputErrors}");
        var reasons = new List<string>();
        for (int r = 1; r < s.RejectReasons.Length; r++)
            if (s.RejectReasons[r] > 0) reasons.Add($"{EventJson.ReasonName((RejectReason)r)} {s.RejectReasons[r]:N0}");
        if (reasons.Count > 0) output.WriteLine($"  rejects: {string.Join(", ", reasons)}");
        var h = s.OrderRoundTrip;
        if (h.TotalCount > 0)
        {
            var u = s.OrderRoundTripFromSend;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"order round trip (exchange → Aeron → gate → risk → Aeron → exchange) from the scheduled send time, µs: p50 {h.GetValueAtPercentile(50) / 1000.0:F1}  p99 {h.GetValueAtPercentile(99) / 1000.0:F1}  p99.9 {h.GetValueAtPercentile(99.9) / 1000.0:F1}  max {h.GetValueAtPercentile(100) / 1000.0:F1}  (n={h.TotalCount:N0}{(s.RoundTripsClamped > 0 ? $", {s.RoundTripsClamped:N0} over an hour" : "")})"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  the same from the actual send (uncorrected), µs: p50 {u.GetValueAtPercentile(50) / 1000.0:F1}  p99 {u.GetValueAtPercentile(99) / 1000.0:F1}  max {u.GetValueAtPercentile(100) / 1000.0:F1}"));
        }
        output.WriteLine($"insurance fund {engine.FundBalance / 1e6:N2} USD; fee pool {engine.FeePool / 1e6:N2} USD; accounts {engine.AccountCount:N0}; events lost to a full per-input buffer {engine.Events.Overflowed}");
        string? verify = engine.VerifyCaches();
        long ledger = 0;
        for (int a = 0; a < engine.AssetCount; a++) ledger |= engine.LedgerSum(a);
        ulong hash = engine.StateHash();
        output.WriteLine($"state hash {hash:x16} (XxHash64 of the whole risk state)");
        bool replayOk = true;
        if (config.JournalPath is { } journal)
        {
            var replayed = config.BuildEngine();
            var replay = Journal.InputJournal.Replay(journal, replayed, Journal.ConfigFingerprint.Of(config));
            if (replay.Error is { } error) output.WriteLine(error.ToString());
            long n = replay.Records;
            ulong replayedHash = replayed.StateHash();
            replayOk = replayedHash == hash && n == p.Inputs;
            output.WriteLine($"journal {journal}: {n:N0} inputs ({replay.Scan.Bytes / 1e6:N1} MB), decisions held until journaled {c.JournalWaits:N0} times; " +
                             $"replay into a fresh engine gives state hash {replayedHash:x16} → {(replayOk ? "identical" : "DIFFERENT")}");
        }
        output.WriteLine($"ledger sum {(ledger == 0 ? "0 for every asset (balanced)" : "NOT ZERO")}; cached sums {(verify is null ? "match a full recomputation" : verify)}");
        output.WriteLine($"GC collections during the run: gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2} after start-up (the simulator allocates; the gate's hot path does not)");
        var failures = new List<string>();
        if (exchange.Fault is not null) failures.Add($"exchange failed: {exchange.Fault.GetType().Name}: {exchange.Fault.Message}");
        if (gate.Fault is not null) failures.Add($"gate network thread failed: {gate.Fault.GetType().Name}: {gate.Fault.Message}");
        if (!drained) failures.Add("the gate did not drain within 10 s");
        if (!replayOk) failures.Add("journal replay does not reproduce the state");
        if (engine.Events.Overflowed != 0) failures.Add("events lost to a full per-input buffer");
        if (ledger != 0) failures.Add("ledger does not sum to zero");
        if (verify is not null) failures.Add("cached sums differ from a recomputation");
        if (s.Accepted == 0) failures.Add("no order was accepted");
        if (failures.Count > 0)
        {
            output.WriteLine($"demo: FAILED ({string.Join("; ", failures)})");
            return 1;
        }
        output.WriteLine(behind ? "demo: OK (checks passed) — but the gate FELL BEHIND the offered rate; see above" : "demo: OK");
        return 0;
    }

    private static IRenderable View(IReadOnlyList<string> labels, long[] v, long[] prev, double dt, double t, int seconds, long[] extras)
    {
        long Get(long[] x, string name) { for (int k = 0; k < labels.Count; k++) if (labels[k] == name) return x[k]; return 0; }
        string Rate(string name) => dt > 0 ? ((Get(v, name) - Get(prev, name)) / dt).ToString("N0", CultureInfo.InvariantCulture) : "";
        var inputs = new Table().Border(TableBorder.Rounded).Title("inputs").AddColumn("kind").AddColumn(new TableColumn("total").RightAligned()).AddColumn(new TableColumn("/s").RightAligned());
        for (int k = 0; k < labels.Count; k++)
            if (labels[k].StartsWith("inputs.", StringComparison.Ordinal) && (v[k] > 0 || labels[k] == "inputs.processed"))
                inputs.AddRow(labels[k][7..], v[k].ToString("N0", CultureInfo.InvariantCulture), Rate(labels[k]));
        var decisions = new Table().Border(TableBorder.Rounded).Title("decisions").AddColumn("kind").AddColumn(new TableColumn("total").RightAligned()).AddColumn(new TableColumn("/s").RightAligned());
        for (int k = 0; k < labels.Count; k++)
            if ((labels[k].StartsWith("decisions.", StringComparison.Ordinal) || labels[k].StartsWith("rejects.", StringComparison.Ordinal)) && (v[k] > 0 || labels[k] == "decisions.sent"))
                decisions.AddRow(labels[k].Replace("decisions.", "").Replace("rejects.", "  reject: "), v[k].ToString("N0", CultureInfo.InvariantCulture), Rate(labels[k]));
        var state = new Table().Border(TableBorder.Rounded).Title("state").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        state.AddRow("healthy / restricted", $"{Get(v, "health.healthy"):N0} / {Get(v, "health.restricted"):N0}");
        state.AddRow("liquidating / bankrupt", $"{Get(v, "health.liquidating"):N0} / {Get(v, "health.bankrupt"):N0}");
        state.AddRow("liquidations / takeovers / ADL", $"{Get(v, "decisions.liquidation_order"):N0} / {Get(v, "decisions.takeover"):N0} / {Get(v, "decisions.adl"):N0}");
        state.AddRow("insurance fund USD", (Get(v, "insurance_fund_micros") / 1e6).ToString("N2", CultureInfo.InvariantCulture));
        state.AddRow("round trip p50 / p99 / max µs", string.Create(CultureInfo.InvariantCulture, $"{extras[0] / 1000.0:F1} / {extras[2] / 1000.0:F1} / {extras[4] / 1000.0:F1}"));
        state.AddRow("gate latency p50 / p99 µs", string.Create(CultureInfo.InvariantCulture, $"{Get(v, "latency.gate_ns.p50") / 1000.0:F1} / {Get(v, "latency.gate_ns.p99") / 1000.0:F1}"));
        state.AddRow("offered / sent", $"{extras[^2]:N0} / {extras[^1]:N0}");
        state.AddRow("malformed / gaps / back-pressure", $"{Get(v, "wire.malformed"):N0} / {Get(v, "wire.sequence_gaps"):N0} / {Get(v, "backpressure.decisions"):N0}");
        var header = new Markup(string.Create(CultureInfo.InvariantCulture, $"[bold]CrossMargin demo[/]  t = {t:F1} s of {seconds} s load"));
        return new Rows(header, new Columns(inputs, decisions, state));
    }
}
