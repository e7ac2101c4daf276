using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Gate.Host;

namespace CrossMargin.Gate.Telemetry;

/// <summary>
/// The gate's published counters: their names (stable, dotted, Prometheus-friendly once dots become
/// underscores) and one sampling of a running <see cref="IGate"/> into values (cold path, the
/// status-line thread).
/// </summary>
public sealed class GateTelemetry
{
    private static readonly InputKind[] InputKinds = Enum.GetValues<InputKind>().Where(k => k != InputKind.None).ToArray();
    private static readonly RejectReason[] Reasons = Enum.GetValues<RejectReason>().Where(r => r != RejectReason.None).ToArray();
    private static readonly (string Name, EventKind[] Kinds)[] DecisionKinds =
    [
        ("accepted", [EventKind.Accepted]), ("rejected", [EventKind.Rejected, EventKind.ModeRejected, EventKind.QueryRejected]),
        ("withdrawal", [EventKind.Withdrawal]), ("health", [EventKind.Health]), ("cancel_all", [EventKind.CancelAll]),
        ("liquidation_order", [EventKind.LiquidationOrder]), ("takeover", [EventKind.Takeover]), ("adl", [EventKind.Adl]),
        ("snapshot", [EventKind.Account, EventKind.Fund]),
    ];

    /// <summary>Issue 9 recovery counters, in <see cref="Sample"/> order: order-flow gap recovery, then the on-disk decision log and its replays.</summary>
    private static readonly string[] RecoveryLabels =
    [
        "recovery.requests", "recovery.buffered", "recovery.duplicates", "recovery.overflows", "recovery.unavailable", "recovery.lost",
        "recovery.publishers_recovering", "recovery.publishers_halted", "recovery.publishers_resumed", "recovery.halt_record_faults",
        "decisions.logged", "decisions.log_faults", "decisions.log_syncs", "decisions.sync_waits", "decisions.replay_requests", "decisions.replayed", "decisions.replay_unavailable", "decisions.replay_pending",
        "decisions.replay_unauthenticated",
    ];

    /// <summary>Percentiles published for the in-gate latency (and the demo's round trip).</summary>
    public static readonly double[] Percentiles = [50, 90, 99, 99.9, 100];

    private readonly List<string> _labels = [];
    private readonly long[] _latency = new long[new LatencyBuckets().Length];

    /// <summary>Names of <paramref name="extra"/> counters appended after the gate's (e.g. the demo's round trip).</summary>
    public GateTelemetry(IReadOnlyList<string>? extra = null)
    {
        _labels.Add("uptime_seconds");
        _labels.Add("inputs.processed");
        _labels.Add("inputs.replayed");
        foreach (var k in InputKinds) _labels.Add("inputs." + InputName(k));
        _labels.Add("inputs.engine_errors");
        _labels.Add("decisions.sent");
        _labels.Add("decisions.pending");
        _labels.Add("decisions.last_sequence");
        _labels.Add("decisions.log_full");
        foreach (var (name, _) in DecisionKinds) _labels.Add("decisions." + name);
        foreach (var r in Reasons) _labels.Add("rejects." + EventJson.ReasonName(r));
        foreach (var h in new[] { "healthy", "restricted", "liquidating", "bankrupt" }) _labels.Add("health." + h);
        _labels.Add("accounts");
        _labels.Add("insurance_fund_micros");
        _labels.Add("wire.fragments");
        _labels.Add("wire.malformed");
        _labels.Add("wire.sequence_gaps");
        _labels.Add("aeron.datagrams");
        _labels.Add("aeron.invalid_datagrams");
        _labels.Add("aeron.decision_naks");
        _labels.Add("aeron.decision_retransmits");
        _labels.Add("security.wrong_stream");
        _labels.Add("security.unauthenticated");
        _labels.Add("security.setups_refused");
        _labels.Add("security.foreign_datagrams");
        _labels.Add("aeron.image_memory_bytes");
        _labels.Add("backpressure.decisions");
        _labels.Add("backpressure.inbound_throttled");
        _labels.Add("journal.waits");
        foreach (var name in RecoveryLabels) _labels.Add(name);
        _labels.Add("ring.inbound.used");
        _labels.Add("ring.inbound.size");
        _labels.Add("ring.outbound.used");
        _labels.Add("ring.outbound.size");
        foreach (var p in Percentiles) _labels.Add("latency.gate_ns.p" + PercentileName(p));
        if (extra is not null) _labels.AddRange(extra);
        ExtraStart = _labels.Count - (extra?.Count ?? 0);
    }

    /// <summary>Every counter name, in file order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Index of the first extra counter.</summary>
    public int ExtraStart { get; }

    /// <summary>"99.9" → "99_9", "100" → "max".</summary>
    public static string PercentileName(double p) => p >= 100 ? "max" : p.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture).Replace('.', '_');

    /// <summary>Scenario-format name of an input kind.</summary>
    public static string InputName(InputKind k) => k switch
    {
        InputKind.MarginMode => "margin_mode",
        InputKind.FundQuery => "fund_query",
        _ => k.ToString().ToLowerInvariant(),
    };

    /// <summary>Samples <paramref name="gate"/> into <paramref name="values"/> (length <see cref="Labels"/>.Count; extras untouched).</summary>
    public void Sample(IGate gate, TimeSpan uptime, Span<long> values)
    {
        var c = gate.Counters;
        var t = c.Tally;
        var p = gate.ProcessorCounters;
        int i = 0;
        values[i++] = (long)uptime.TotalSeconds;
        values[i++] = p.Inputs;
        values[i++] = c.Replayed;
        foreach (var k in InputKinds) values[i++] = Volatile.Read(ref t.InputsByKind[(int)k]);
        values[i++] = p.InputErrors;
        values[i++] = c.DecisionsSent;
        values[i++] = c.DecisionsPending;
        values[i++] = c.LastDecisionSequence;
        values[i++] = c.DecisionLogFull;
        foreach (var (_, kinds) in DecisionKinds)
        {
            long sum = 0;
            foreach (var k in kinds) sum += Volatile.Read(ref t.DecisionsByKind[(int)k]);
            values[i++] = sum;
        }
        foreach (var r in Reasons) values[i++] = Volatile.Read(ref t.RejectsByReason[(int)r]);
        long accounts = gate.Engine.AccountCount; // an int written by the risk thread: a racy but atomic read
        long restricted = Math.Max(0, t.HealthNet[(int)HealthState.Restricted]), liquidating = Math.Max(0, t.HealthNet[(int)HealthState.Liquidating]);
        long bankrupt = Math.Max(0, t.HealthNet[(int)HealthState.Bankrupt]);
        values[i++] = Math.Max(0, accounts - restricted - liquidating - bankrupt);
        values[i++] = restricted;
        values[i++] = liquidating;
        values[i++] = bankrupt;
        values[i++] = accounts;
        values[i++] = gate.Engine.FundBalance;
        values[i++] = c.FragmentsReceived;
        values[i++] = c.DecodeRejects;
        values[i++] = c.SequenceGaps;
        var tr = gate.Transport;
        values[i++] = tr.Datagrams;
        values[i++] = tr.InvalidDatagrams;
        values[i++] = tr.NaksReceived;
        values[i++] = tr.Retransmits;
        values[i++] = c.WrongStreamRejects;
        values[i++] = c.AuthenticationFailures;
        values[i++] = gate.SetupsRefused;
        values[i++] = gate.ForeignDatagrams;
        values[i++] = gate.ImageMemory;
        values[i++] = c.DecisionBackPressure;
        values[i++] = c.InboundThrottled;
        values[i++] = c.JournalWaits;
        values[i++] = c.RecoveryRequests;
        values[i++] = c.RecoveryBuffered;
        values[i++] = c.RecoveryDuplicates;
        values[i++] = c.RecoveryOverflows;
        values[i++] = c.RecoveryUnavailable;
        values[i++] = c.RecoveryLost;
        values[i++] = c.PublishersRecovering;
        values[i++] = c.PublishersHalted;
        values[i++] = c.PublishersResumed;
        values[i++] = c.HaltRecordFaults;
        values[i++] = c.DecisionsLogged;
        values[i++] = c.DecisionLogFaults;
        values[i++] = c.DecisionLogSyncs;
        values[i++] = c.DecisionSyncWaits;
        values[i++] = c.DecisionReplayRequests;
        values[i++] = c.DecisionsReplayed;
        values[i++] = c.DecisionReplayUnavailable;
        values[i++] = c.DecisionReplayPending;
        values[i++] = c.DecisionReplayUnauthenticated;
        var (inUsed, inSize) = gate.InboundOccupancy;
        var (outUsed, outSize) = gate.OutboundOccupancy;
        values[i++] = inUsed;
        values[i++] = inSize;
        values[i++] = outUsed;
        values[i++] = outSize;
        t.Latency.CopyTo(_latency);
        foreach (var pc in Percentiles) values[i++] = LatencyBuckets.Percentile(_latency, pc);
    }

    /// <summary>
    /// One status line from a snapshot: throughput since the previous line, decisions, rejects by
    /// reason, health census, liquidations, drops, back-pressure, ring occupancy and latency.
    /// </summary>
    public static string StatusLine(IReadOnlyList<string> labels, ReadOnlySpan<long> v, ReadOnlySpan<long> previous, double seconds)
    {
        long Get(ReadOnlySpan<long> x, string name)
        {
            for (int k = 0; k < labels.Count; k++) if (labels[k] == name) return x[k];
            return 0;
        }
        long inputs = Get(v, "inputs.processed");
        double rate = seconds > 0 && previous.Length == v.Length ? (inputs - Get(previous, "inputs.processed")) / seconds : 0;
        var rejects = new List<string>();
        for (int k = 0; k < labels.Count; k++)
            if (labels[k].StartsWith("rejects.", StringComparison.Ordinal) && v[k] > 0) rejects.Add($"{labels[k][8..]} {v[k]:N0}");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"inputs {inputs:N0} ({rate:N0}/s)  decisions {Get(v, "decisions.sent"):N0} (pending {Get(v, "decisions.pending"):N0})  rejects {Get(v, "decisions.rejected"):N0}{(rejects.Count > 0 ? " [" + string.Join(", ", rejects) + "]" : "")}" +
            $"  health {Get(v, "health.healthy"):N0}/{Get(v, "health.restricted"):N0}/{Get(v, "health.liquidating"):N0}/{Get(v, "health.bankrupt"):N0} (h/r/l/b)" +
            $"  liquidations {Get(v, "decisions.liquidation_order"):N0} takeovers {Get(v, "decisions.takeover"):N0} adl {Get(v, "decisions.adl"):N0}" +
            $"  malformed {Get(v, "wire.malformed"):N0} gaps {Get(v, "wire.sequence_gaps"):N0} (recovering {Get(v, "recovery.publishers_recovering"):N0}, lost {Get(v, "recovery.lost"):N0}, halted {Get(v, "recovery.publishers_halted"):N0}) aeron-invalid {Get(v, "aeron.invalid_datagrams"):N0}" +
            $"  refused wrong-stream {Get(v, "security.wrong_stream"):N0} unauthenticated {Get(v, "security.unauthenticated"):N0} setups {Get(v, "security.setups_refused"):N0} foreign {Get(v, "security.foreign_datagrams"):N0}" +
            $"  images {Get(v, "aeron.image_memory_bytes") / (1024.0 * 1024.0):F0} MiB" +
            $"  back-pressure {Get(v, "backpressure.decisions"):N0} throttled {Get(v, "backpressure.inbound_throttled"):N0}" +
            $"  ring in {Get(v, "ring.inbound.used"):N0}/{Get(v, "ring.inbound.size"):N0} out {Get(v, "ring.outbound.used"):N0}/{Get(v, "ring.outbound.size"):N0}" +
            $"  latency p50 {Get(v, "latency.gate_ns.p50") / 1000.0:F1} p99 {Get(v, "latency.gate_ns.p99") / 1000.0:F1} max {Get(v, "latency.gate_ns.pmax") / 1000.0:F1} µs");
    }
}
