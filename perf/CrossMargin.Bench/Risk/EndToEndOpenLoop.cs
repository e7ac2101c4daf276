using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// End to end through the gate over Aeron UDP on 127.0.0.1: a client on this thread with its own
/// embedded driver sends the <see cref="Market"/> mix open-loop (orders, cancels and fills on the
/// order-flow stream, marks on market data) to a <see cref="GateHost"/> gate in this process, and
/// records, for every order, decision received − intended send time (coordinated omission
/// corrected). Writes fragment "e2e".
/// </summary>
public static class EndToEndOpenLoop
{
    private const int MixLength = 1 << 19;

    /// <summary>Runs every offered rate against one gate.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "e2e" };
        // Ports of our own, so a demo or test elsewhere on the machine does not collide with the benchmark.
        var config = GateClient.LoopbackConfig(41456, 41457, 41458);
        var market = new Market();
        var reference = config.BuildEngine();
        var prefill = market.Prefill(reference);
        Market.Apply(reference, prefill);
        RiskInput[] mix = market.Mix(reference, MixLength);
        int capacity = (int)OfferedRates.All.Max(r => r.PerSecond * OfferedRates.Seconds(r.PerSecond, o.Quick)) + 1;
        var client = new GateClient(config, capacity);
        using var gate = GateHost.Start(config);
        try
        {
            client.Connect(gate);
            client.SendAll(prefill, gate);
            long cursor = 0, round = 1;
            foreach (var (label, rate) in OfferedRates.All)
            {
                double seconds = OfferedRates.Seconds(rate, o.Quick);
                long count = (long)(rate * seconds);
                client.OpenLoop(mix, ref cursor, ref round, rate, Math.Min(count / 10, (long)(rate / 4)), record: false);
                client.Samples.Reset();
                var g0 = GcCounts.Now();
                var (achieved, missing) = client.OpenLoop(mix, ref cursor, ref round, rate, count, record: true);
                f.AddGc(GcCounts.Now().Since(g0));
                var row = f.AddLatency($"e2e/{label}/s", client.Samples);
                f.Figures[$"e2e_rtt_p50_ns_at_{label}_per_s"] = row.P50;
                f.Figures[$"e2e_rtt_p99_ns_at_{label}_per_s"] = row.P99;
                f.Figures[$"e2e_send_rate_at_{label}_per_s"] = achieved;
                if (label == "10k") f.Figures["e2e_rtt_p50_ns"] = row.P50;
                if (missing > 0) f.Notes.Add($"{label}/s: {missing:N0} order decisions not received within 30 s of the last send");
                Console.WriteLine($"end to end over Aeron {label,4}/s offered (send rate {achieved:N0}/s, {row.Count:N0} orders): " +
                                  $"p50 {row.P50:N0} p90 {row.P90:N0} p99 {row.P99:N0} p99.9 {row.P999:N0} p99.99 {row.P9999:N0} max {row.Max:N0} ns");
            }
            f.Notes.Add($"gate: default configuration on ports 41456–41458, yielding waits; gate network thread + risk thread + this client thread (with its own embedded driver) on {Environment.ProcessorCount} cores; decode rejects {gate.Counters.DecodeRejects}, sequence gaps {gate.Counters.SequenceGaps}");
            f.Notes.Add("e2e RTT = order's intended send time → its accepted/rejected decision decoded by the client (encode, Aeron send, gate poll, ring, engine, ring, Aeron send, client poll, decode)");
        }
        finally
        {
            client.Dispose();
            gate.Stop(TimeSpan.FromSeconds(10));
        }
        if (gate.Fault is not null) throw new InvalidOperationException("gate network thread failed", gate.Fault);
        return f;
    }
}
