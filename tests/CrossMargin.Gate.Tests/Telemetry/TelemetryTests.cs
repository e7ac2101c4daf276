using CrossMargin.Tests.Shared;
using System.Diagnostics;
using System.Net.Http;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Demo;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Telemetry;
using CrossMargin.Gate.Tests.Cli;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.Telemetry;

public class TelemetryTests
{
    [Fact]
    public void A_counters_file_reads_back_labels_values_pid_and_state()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cm-{Guid.NewGuid():N}.counters");
        try
        {
            using (var w = new CountersWriter(path, ["a.one", "b.two", "c"]))
            {
                w.Publish([1, -2, long.MaxValue], GateState.Running);
                Assert.True(CountersReader.TryRead(path, out var s, out var error), error);
                Assert.Equal(["a.one", "b.two", "c"], s!.Labels);
                Assert.Equal([1L, -2L, long.MaxValue], s.Values);
                Assert.Equal(Environment.ProcessId, s.Pid);
                Assert.Equal(GateState.Running, s.State);
                Assert.Equal(-2, s.Get("b.two"));
                Assert.Null(s.Get("d"));
                w.Publish([3, 4, 5], GateState.Stopped);
            }
            // The file outlives the writer for a last reading.
            Assert.True(CountersReader.TryRead(path, out var last, out _));
            Assert.Equal([3L, 4L, 5L], last!.Values);
            Assert.Equal(GateState.Stopped, last.State);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_file_that_is_not_a_counters_file_is_refused_as_a_value()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cm-{Guid.NewGuid():N}.counters");
        try
        {
            File.WriteAllBytes(path, new byte[200]);
            Assert.False(CountersReader.TryRead(path, out _, out var error));
            Assert.Contains("bad magic", error);
            File.WriteAllBytes(path, [1, 2, 3]);
            Assert.False(CountersReader.TryRead(path, out _, out error));
            Assert.Contains("too short", error);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_reader_never_sees_a_torn_snapshot_while_the_writer_publishes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cm-{Guid.NewGuid():N}.counters");
        var labels = Enumerable.Range(0, 64).Select(i => $"c{i}").ToArray();
        try
        {
            using var w = new CountersWriter(path, labels);
            var values = new long[64];
            w.Publish(values, GateState.Running);
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(() =>
            {
                for (long n = 1; !stop.IsCancellationRequested; n++)
                {
                    Array.Fill(values, n); // every snapshot has one value in all slots
                    w.Publish(values, GateState.Running);
                    Thread.SpinWait(50); // as fast as a writer can go, with a gap a reader can use
                }
            });
            for (int i = 0; i < 300; i++)
            {
                Assert.True(CountersReader.TryRead(path, out var s, out var error), error);
                Assert.All(s!.Values, v => Assert.Equal(s.Values[0], v));
            }
            stop.Cancel();
            await writer;
        }
        finally { File.Delete(path); }
    }

    [Property(MaxTest = 2000)]
    public Property Latency_buckets_hold_every_value_within_an_eighth() =>
        Prop.ForAll(Gen.Choose(0, 62).SelectMany(bits => Gen.Choose(0, int.MaxValue).Select(r => bits == 0 ? 0L : (1L << bits) + (long)((ulong)r * (ulong)(1L << bits) >> 31))).ToArbitrary(), value =>
        {
            int i = LatencyBuckets.Index(value);
            long upper = LatencyBuckets.UpperBound(i);
            long lower = i == 0 ? 0 : LatencyBuckets.UpperBound(i - 1) + 1;
            return i >= 0 && i < new LatencyBuckets().Length && lower <= value && value <= upper && upper - lower <= Math.Max(0, value / 8);
        });

    [Fact]
    public void Percentiles_of_known_values()
    {
        var b = new LatencyBuckets();
        for (int i = 1; i <= 100; i++) b.Record(i * 1000L);
        var counts = new long[b.Length];
        b.CopyTo(counts);
        long p50 = LatencyBuckets.Percentile(counts, 50), p99 = LatencyBuckets.Percentile(counts, 99), max = LatencyBuckets.Percentile(counts, 100);
        Assert.InRange(p50, 50_000, 50_000 * 9 / 8);
        Assert.InRange(p99, 99_000, 99_000 * 9 / 8);
        Assert.InRange(max, 100_000, 100_000 * 9 / 8);
        Assert.Equal(0, LatencyBuckets.Percentile(new long[b.Length], 50));
    }

    [Fact]
    public void Long_round_trips_do_not_overflow()
    {
        // The old demo computed (now - sent) * 1e9 / Frequency: past ~9.2 s of ticks at 1 GHz it wrapped.
        long f = Stopwatch.Frequency;
        Assert.Equal(60_000_000_000, LatencyBuckets.TicksToNs(60 * f));
        Assert.Equal(3_600_000_000_000, LatencyBuckets.TicksToNs(3600 * f));
        Assert.Equal(1_500_000_000, LatencyBuckets.TicksToNs(f + f / 2));
        var stats = new ExchangeStats();
        long now = Stopwatch.GetTimestamp();
        stats.RecordRoundTrip(now - 20 * f, now - 10 * f, now); // scheduled 20 s ago, sent 10 s ago
        Assert.InRange(stats.OrderRoundTrip.GetValueAtPercentile(100), 19_900_000_000, 20_100_000_000);
        Assert.InRange(stats.OrderRoundTripFromSend.GetValueAtPercentile(100), 9_900_000_000, 10_100_000_000);
        stats.RecordRoundTrip(now - 7200 * f, now - 7200 * f, now); // beyond the histogram's hour: clamped and counted
        Assert.Equal(1, stats.RoundTripsClamped);
    }

    [Fact]
    public void The_tally_counts_inputs_decisions_rejects_and_the_census()
    {
        var t = new GateTally();
        t.Input(InputKind.Order);
        t.Input(InputKind.Order);
        t.Decision(new RiskEvent { Kind = EventKind.Rejected, Reason = RejectReason.InsufficientMargin });
        t.Decision(new RiskEvent { Kind = EventKind.Withdrawal, Accepted = false, Reason = RejectReason.InsufficientBalance });
        t.Decision(new RiskEvent { Kind = EventKind.Withdrawal, Accepted = true });
        t.Decision(new RiskEvent { Kind = EventKind.Health, From = HealthState.Healthy, To = HealthState.Liquidating });
        t.Decision(new RiskEvent { Kind = EventKind.Health, From = HealthState.Liquidating, To = HealthState.Restricted });
        t.Decision(new RiskEvent { Kind = EventKind.Health, From = HealthState.Healthy, To = HealthState.Bankrupt, Isolated = true }); // a part, not an account
        Assert.Equal(2, t.InputsByKind[(int)InputKind.Order]);
        Assert.Equal(1, t.RejectsByReason[(int)RejectReason.InsufficientMargin]);
        Assert.Equal(1, t.RejectsByReason[(int)RejectReason.InsufficientBalance]);
        Assert.Equal(2, t.DecisionsByKind[(int)EventKind.Withdrawal]);
        Assert.Equal(1, t.HealthNet[(int)HealthState.Restricted]);
        Assert.Equal(0, t.HealthNet[(int)HealthState.Liquidating]);
        Assert.Equal(0, t.HealthNet[(int)HealthState.Bankrupt]);
    }

    [Fact]
    public void Tallying_on_the_network_thread_allocates_nothing()
    {
        var t = new GateTally();
        var e = new RiskEvent { Kind = EventKind.Health, From = HealthState.Healthy, To = HealthState.Restricted };
        var r = new RiskEvent { Kind = EventKind.Rejected, Reason = RejectReason.PriceBand };
        long calls = 0;
        void Round(int n)
        {
            for (int i = 0; i < n; i++)
            {
                t.Input(InputKind.Mark);
                t.Decision(in e);
                t.Decision(in r);
                t.Decided(Stopwatch.GetTimestamp() - 1000);
                calls++;
            }
        }
        Round(1000); // warm-up (JIT)
        Assert.Equal(0, Allocations.LeastOf(3, () => Round(100_000)));
        Assert.Equal(calls, t.InputsByKind[(int)InputKind.Mark]);
    }

    private static GateConfig LoopbackConfig()
    {
        var ports = GateProcess.FreeUdpPorts(3);
        return GateConfig.Parse(GateConfig.DefaultJson()
            .Replace("127.0.0.1:40456", $"127.0.0.1:{ports[0]}").Replace("127.0.0.1:40457", $"127.0.0.1:{ports[1]}").Replace("127.0.0.1:40458", $"127.0.0.1:{ports[2]}")
            .Replace("\"accounts\": 20000", "\"accounts\": 500").Replace("\"termLength\": 16777216", "\"termLength\": 1048576")
            .Replace("\"inbound\": 65536", "\"inbound\": 4096")); // a short queue: the drain at the end stays short on a busy machine
    }

    [Fact]
    public async Task Prometheus_serves_the_counters_on_loopback_only_when_asked()
    {
        var config = LoopbackConfig();
        using var gate = GateHost.Start(config);
        string path = Path.Combine(Path.GetTempPath(), $"cm-{Guid.NewGuid():N}.counters");
        try
        {
            using (var off = new TelemetryPublisher(gate, path)) Assert.Null(off.MetricsUrl);
            int port = GateProcess.FreeUdpPorts(1)[0]; // a TCP port free too, in practice
            using var on = new TelemetryPublisher(gate, path, port);
            on.Publish(GateState.Running);
            Assert.Equal($"http://127.0.0.1:{port}/metrics", on.MetricsUrl);
            using var http = new HttpClient();
            string text = await http.GetStringAsync(on.MetricsUrl);
            Assert.Contains("crossmargin_inputs_processed 0", text);
            Assert.Contains("crossmargin_ring_inbound_size 4096", text);
        }
        finally
        {
            gate.Stop(TimeSpan.FromSeconds(10));
            File.Delete(path);
        }
    }

    [Fact]
    public void A_short_demo_that_cannot_keep_up_says_it_fell_behind_and_still_checks_everything()
    {
        var config = LoopbackConfig();
        string journal = Path.Combine(Path.GetTempPath(), $"cm-demo-{Guid.NewGuid():N}.journal");
        string counters = journal + ".counters";
        var output = new StringWriter();
        try
        {
            // 5 million inputs/s for 1 s is far beyond this machine: the schedule cannot be met.
            int code = DemoCommand.Run(config.WithJournal(journal), 1, 200, 5_000_000, output, live: false, countersPath: counters);
            string text = output.ToString();
            Assert.True(code == 0, text);
            Assert.Contains("FELL BEHIND", text);
            Assert.Contains("demo: OK (checks passed) — but the gate FELL BEHIND", text);
            Assert.Matches(@"timing: load 1\.\d s \(asked 1 s\)", text); // the load phase holds --duration (to a scheduling hiccup)
            Assert.Contains("→ identical", text);
            Assert.True(CountersReader.TryRead(counters, out var s, out _));
            Assert.Equal(GateState.Stopped, s!.State);
            Assert.True(s.Get("demo.sent") > 0);
        }
        finally
        {
            if (Directory.Exists(journal)) Directory.Delete(journal, recursive: true);
            File.Delete(counters);
        }
    }
}
