using System.Diagnostics;
using System.Globalization;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;

namespace CrossMargin.Gate.Demo;

/// <summary>
/// <c>crossmargin demo</c>: the gate on the embedded default configuration, fed by a simulated
/// exchange over Aeron UDP on loopback; prints what happened and checks the ledger at the end.
/// </summary>
public static class DemoCommand
{
    /// <summary>Runs the demo; returns the exit code (0: the run was clean and the ledger balances).</summary>
    public static int Run(GateConfig config, int seconds, int accounts, double rate, TextWriter output)
    {
        if (accounts > config.Capacities.Accounts)
        {
            Console.Error.WriteLine($"demo: --accounts {accounts} exceeds the configured capacity {config.Capacities.Accounts}");
            return 2;
        }
        output.WriteLine($"CrossMargin demo: {accounts} accounts, {config.Instruments.Count} instruments, {rate:N0} inputs/s offered for {seconds} s");
        output.WriteLine($"  market data {config.MarketData.Channel} stream {config.MarketData.StreamId}; order flow {config.OrderFlow.Channel} stream {config.OrderFlow.StreamId}; decisions {config.Decisions.Channel} stream {config.Decisions.StreamId}");
        var wall = Stopwatch.StartNew();
        using var gate = GateHost.Start(config);
        var exchange = new SimulatedExchange(config, accounts, rate, TimeSpan.FromSeconds(seconds));
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long lastInputs = 0;
        var tick = Stopwatch.StartNew();
        while (!exchange.Finished && gate.Fault is null)
        {
            Thread.Sleep(250);
            if (tick.Elapsed < TimeSpan.FromSeconds(1)) continue;
            long inputs = gate.ProcessorCounters.Inputs;
            output.WriteLine($"  t={wall.Elapsed.TotalSeconds,5:F1}s  inputs {inputs,10:N0} ({(inputs - lastInputs) / tick.Elapsed.TotalSeconds,9:N0}/s)  decisions {gate.Counters.DecisionsSent,10:N0}  liquidation orders {exchange.Stats.LiquidationOrders,6:N0}  takeovers {exchange.Stats.Takeovers,4:N0}");
            lastInputs = inputs;
            tick.Restart();
        }
        exchange.Dispose();
        bool drained = gate.Stop(TimeSpan.FromSeconds(10));
        var engine = gate.Engine;
        var s = exchange.Stats;
        var c = gate.Counters;
        var p = gate.ProcessorCounters;
        output.WriteLine();
        output.WriteLine("exchange → gate");
        output.WriteLine($"  inputs sent {s.Sent:N0} (market data {s.MarketDataSent:N0}, orders {s.OrdersSent:N0}, fills {s.FillsSent:N0}, liquidation fills {s.LiquidationFillsSent:N0}, deposits {s.DepositsSent:N0}, queries {s.QueriesSent:N0})");
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
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"order round trip (exchange → Aeron → gate → risk → Aeron → exchange), µs: p50 {h.GetValueAtPercentile(50) / 1000.0:F1}  p99 {h.GetValueAtPercentile(99) / 1000.0:F1}  p99.9 {h.GetValueAtPercentile(99.9) / 1000.0:F1}  max {h.GetValueAtPercentile(100) / 1000.0:F1}  (n={h.TotalCount:N0})"));
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
            long n = Journal.InputJournal.Replay(journal, replayed);
            ulong replayedHash = replayed.StateHash();
            replayOk = replayedHash == hash && n == p.Inputs;
            output.WriteLine($"journal {journal}: {n:N0} inputs ({new FileInfo(journal).Length / 1e6:N1} MB), decisions held until journaled {c.JournalWaits:N0} times; " +
                             $"replay into a fresh engine gives state hash {replayedHash:x16} → {(replayOk ? "identical" : "DIFFERENT")}");
        }
        output.WriteLine($"ledger sum {(ledger == 0 ? "0 for every asset (balanced)" : "NOT ZERO")}; cached sums {(verify is null ? "match a full recomputation" : verify)}");
        output.WriteLine($"GC collections during the run: gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2} after start-up (the simulator allocates; the gate's hot path does not)");
        if (exchange.Fault is not null) Console.Error.WriteLine($"demo: exchange failed: {exchange.Fault}");
        if (gate.Fault is not null) Console.Error.WriteLine($"demo: gate network thread failed: {gate.Fault}");
        bool ok = drained && replayOk && engine.Events.Overflowed == 0 && ledger == 0 && verify is null && exchange.Fault is null && gate.Fault is null && s.Accepted > 0;
        output.WriteLine(ok ? "demo: OK" : "demo: FAILED");
        return ok ? 0 : 1;
    }
}
