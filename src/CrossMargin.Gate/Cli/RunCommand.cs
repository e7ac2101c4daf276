using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Telemetry;

namespace CrossMargin.Gate.Cli;

/// <summary>Options of <c>crossmargin run</c>.</summary>
public sealed record RunOptions
{
    /// <summary>The validated configuration.</summary>
    public required GateConfig Config { get; init; }
    /// <summary>Stop after this many seconds (0: until a signal).</summary>
    public int Seconds { get; init; }
    /// <summary>Between status lines (zero: none).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Counters file; null: the default for the configuration.</summary>
    public string? CountersPath { get; init; }
    /// <summary>Prometheus port on 127.0.0.1 (0: off).</summary>
    public int PrometheusPort { get; init; }
    /// <summary>Bound on the drain at stop.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// <c>crossmargin run</c>: start-up progress, the replayed-input count, a periodic status line,
/// counters for <c>stat</c>, a graceful drain on SIGINT and SIGTERM with a final summary and state
/// hash, and a non-zero exit that always says why.
/// </summary>
public static class RunCommand
{
    /// <summary>Runs the gate; returns the exit code (0: stopped and drained cleanly).</summary>
    public static int Execute(RunOptions o, TextWriter output, TextWriter error)
    {
        var config = o.Config;
        var wall = Stopwatch.StartNew();
        output.WriteLine($"crossmargin run: {config.Instruments.Count} instruments, {config.Assets.Count + 1} assets, capacity {config.Capacities.Accounts:N0} accounts, rings {config.InboundRing:N0}/{config.OutboundRing:N0}, wait {config.WaitStrategy}");
        if (config.JournalPath is { } jp)
            output.WriteLine(Directory.Exists(jp) ? $"journal {jp}: checking and replaying…" : $"journal {jp}: new journal directory");
        output.Flush();

        using var stop = new ManualResetEventSlim();
        string reason = o.Seconds > 0 ? $"--seconds {o.Seconds} elapsed" : "";
        void OnSignal(PosixSignalContext ctx)
        {
            ctx.Cancel = true; // we drain and exit ourselves
            reason = ctx.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
            stop.Set();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        // SIGUSR1 (10 on Linux; .NET takes raw numbers cast to PosixSignal): the operator asks for a snapshot now.
        IGate? running = null;
        using var sigusr1 = OperatingSystem.IsLinux() ? PosixSignalRegistration.Create((PosixSignal)10, ctx =>
        {
            ctx.Cancel = true;
            if (running is null) return;
            if (running.RequestSnapshot()) output.WriteLine("SIGUSR1: snapshot requested");
            else output.WriteLine("SIGUSR1: snapshots are off (set journal.snapshotEvery)");
            output.Flush();
        }) : null;

        IGate gate;
        try { gate = GateHost.Start(config); }
        catch (SocketException ex) { throw new CliException($"cannot open the Aeron channels ({ex.SocketErrorCode}: {ex.Message}); is another gate using ports of {config.MarketData.Channel}, {config.OrderFlow.Channel}?", 1); }
        catch (Journal.JournalException ex) { throw new CliException(ex.Message, 2); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new CliException($"journal {config.JournalPath}: {ex.Message}", 1); }
        using (gate)
        {
            running = gate;
            if (gate.JournalOpened is { } opened)
            {
                output.WriteLine($"{opened}; replayed {gate.Counters.Replayed.Value + gate.RedoInputs:N0} journaled inputs in {wall.Elapsed.TotalSeconds:F1} s");
                if (gate.Restart is { } restart) output.WriteLine($"restart: {restart}");
                if (gate.Snapshots is { } replica)
                {
                    output.WriteLine($"snapshots: replica thread following the journal ({(config.JournalSnapshots!.EveryInputs > 0 ? $"every {config.JournalSnapshots.EveryInputs:N0} inputs" : config.JournalSnapshots.EverySeconds > 0 ? $"every {config.JournalSnapshots.EverySeconds} s" : "on request only")}, keep {config.JournalSnapshots.Keep}); kill -USR1 {Environment.ProcessId} asks for one now");
                    replica.SnapshotWritten += w => { lock (output) { output.WriteLine($"snapshot {w.Path}: input {w.InputSequence:N0}, {w.Bytes:N0} bytes in {w.Elapsed.TotalSeconds:F2} s, sealed with {w.StateHash:x16}"); output.Flush(); } };
                }
                if (gate.DecisionJournal is { } decisions)
                    output.WriteLine($"decision log {decisions.Open.Directory}: last output sequence {decisions.LastOutputSequence:N0}" +
                        (gate.RedoInputs > 0 ? $"; {gate.RedoInputs:N0} journaled inputs fed through the processor again (their decisions never reached the log before the crash)" : ""));
                // The sender sequences restored from the journal: each publisher's next message is checked against them.
                foreach (var p in gate.ReplayedPublishers)
                    output.WriteLine($"journal publisher session {p.SessionId} stream {p.StreamId}: {p.Messages:N0} messages, last sequence {p.LastSequence:N0} (expecting {p.LastSequence + 1:N0}), sequence gaps {p.Gaps:N0}");
                // Halts survive a restart (issue 10): say so as loudly as the loss was said.
                foreach (var h in gate.RestoredHalts)
                {
                    string line = $"HALTED (restored from {Journal.HaltJournal.PathFor(config.JournalPath!)}): {h}; its new orders and withdrawals are rejected (sequence_gap) until " +
                        (config.Admin is null ? "`crossmargin resume --journal DIR` while the gate is stopped (no aeron.admin channel)" : $"`crossmargin resume --session {h.SessionId} --stream {h.StreamId}`");
                    output.WriteLine(line);
                    error.WriteLine(line);
                }
            }
            TelemetryPublisher telemetry;
            try { telemetry = new TelemetryPublisher(gate, o.CountersPath ?? GateTelemetryFiles.DefaultPath(config), o.PrometheusPort); }
            catch (IOException ex) { gate.Stop(o.DrainTimeout); throw new CliException(ex.Message, 1); }
            using (telemetry)
            {
                telemetry.Publish(GateState.Running);
                output.WriteLine($"listening: market data {config.MarketData.Channel} stream {config.MarketData.StreamId}; order flow {config.OrderFlow.Channel} stream {config.OrderFlow.StreamId}; decisions {config.Decisions.Channel} stream {config.Decisions.StreamId}");
                output.WriteLine($"trust: roles {(config.Roles == RoleMode.Scenario ? "scenario (order flow accepts every kind)" : "strict")}; admin {(config.Admin is { } admin ? $"{admin.Channel} stream {admin.StreamId}" : "off")}; " +
                    $"sources market data {Sources(config.MarketData)}, order flow {Sources(config.OrderFlow)}, decisions {Sources(config.Decisions)}; hmac {(config.HmacKey is null ? "off" : "on")}");
                output.WriteLine(config.Recovery is { } rc
                    ? $"recovery: order-flow gaps asked for on {rc.Channel} stream {rc.StreamId} (buffer {config.RecoveryLimits.BufferMessages:N0} messages x {config.RecoveryLimits.Buffers}, timeout {config.RecoveryLimits.TimeoutMs} ms, {config.RecoveryLimits.Retries} retries)" +
                      (config.DecisionReplay is { } dr ? $"; decision replay requests on {dr.Channel} stream {dr.StreamId}" : "; decision replay off")
                    : "recovery: off (order-flow gaps are counted and skipped; configure aeron.recovery)");
                output.WriteLine($"counters: {telemetry.Path} (crossmargin stat --counters {telemetry.Path}){(telemetry.MetricsUrl is { } url ? $"; metrics {url}" : "")}");
                output.WriteLine($"gate running (pid {Environment.ProcessId}); SIGINT or SIGTERM drains and stops");
                output.Flush();

                var until = o.Seconds > 0 ? TimeSpan.FromSeconds(o.Seconds) : TimeSpan.MaxValue;
                var status = Stopwatch.StartNew();
                var previous = telemetry.Values.ToArray();
                var lastLoss = gate.Recovery?.LastLoss ?? default;
                while (gate.Fault is null && wall.Elapsed < until)
                {
                    if (stop.Wait(TimeSpan.FromMilliseconds(250))) break;
                    telemetry.Publish(GateState.Running);
                    if (gate.Recovery is { } recovery && recovery.LastLoss != lastLoss)
                    {
                        // Loud on purpose: inputs are gone for good and the publisher takes no new risk until an operator acts.
                        lastLoss = recovery.LastLoss;
                        string loss = $"RECOVERY FAILED: publisher session {lastLoss.SessionId} stream {lastLoss.StreamId} lost order-flow sequences {lastLoss.From:N0}..{lastLoss.To:N0} " +
                            $"(unavailable at the publisher, or no answer after {config.RecoveryLimits.Retries} retries); its new orders and withdrawals are rejected (sequence_gap) until `crossmargin resume` " +
                            $"({gate.Counters.RecoveryLost.Value:N0} sequences lost in all, {recovery.Halted} publisher(s) halted)";
                        output.WriteLine(loss);
                        Console.Error.WriteLine(loss);
                        output.Flush();
                    }
                    if (o.StatusInterval > TimeSpan.Zero && status.Elapsed >= o.StatusInterval)
                    {
                        output.WriteLine($"t={wall.Elapsed.TotalSeconds:F0}s  " + GateTelemetry.StatusLine(telemetry.Labels, telemetry.Values, previous, status.Elapsed.TotalSeconds));
                        output.Flush();
                        previous = telemetry.Values.ToArray();
                        status.Restart();
                    }
                }
                if (gate.Fault is { } fault)
                {
                    telemetry.Publish(GateState.Failed);
                    gate.Stop(o.DrainTimeout);
                    throw new CliException($"network thread failed: {fault.GetType().Name}: {fault.Message}", 1);
                }
                if (reason.Length == 0) reason = "stop requested";
                output.WriteLine($"{reason}: draining (at most {o.DrainTimeout.TotalSeconds:F0} s)…");
                output.Flush();
                telemetry.Publish(GateState.Draining);
                var (inUsed, _) = gate.InboundOccupancy;
                bool drained = gate.Stop(o.DrainTimeout);
                telemetry.Publish(drained ? GateState.Stopped : GateState.Failed);
                var v = telemetry.Values.ToArray();
                long Get(string name) { for (int i = 0; i < telemetry.Labels.Count; i++) if (telemetry.Labels[i] == name) return v[i]; return 0; }
                output.WriteLine($"stopped after {wall.Elapsed.TotalSeconds:F1} s: " + GateTelemetry.StatusLine(telemetry.Labels, v, v, 0));
                output.WriteLine($"summary: inputs {Get("inputs.processed"):N0} (replayed {gate.Counters.Replayed.Value:N0}), engine errors {Get("inputs.engine_errors"):N0}, decisions {Get("decisions.sent"):N0}; accounts {gate.Engine.AccountCount:N0}; insurance fund {gate.Engine.FundBalance / 1e6:N2} USD; state hash {gate.Engine.StateHash():x16}");
                foreach (var p in gate.Publishers.Entries())
                    output.WriteLine($"publisher session {p.SessionId} stream {p.StreamId}: {p.Messages:N0} messages, last sequence {p.LastSequence:N0}, sequence gaps {p.Gaps:N0}");
                if (gate.DecisionBacklog.Pending > 0)
                    output.WriteLine($"warning: {gate.DecisionBacklog.Pending:N0} decisions (output sequence {gate.Counters.LastDecisionSequence.Value - gate.DecisionBacklog.Pending + 1:N0}..{gate.Counters.LastDecisionSequence.Value:N0}) were logged but never sent: nothing was subscribed to {config.Decisions.Channel} stream {config.Decisions.StreamId}");
                output.Flush();
                if (!drained)
                {
                    var (outUsed, _) = gate.OutboundOccupancy;
                    throw new CliException($"drain did not finish within {o.DrainTimeout.TotalSeconds:F0} s ({inUsed:N0} inputs were queued at the stop, {outUsed:N0} decisions undelivered: is anything subscribed to {config.Decisions.Channel}?); the state hash above may not cover every received input", 1);
                }
                return 0;
            }
        }
    }

    private static string Sources(ChannelConfig channel) => channel.AllowedSources is { } allowed ? allowed.ToString() : "any";
}
