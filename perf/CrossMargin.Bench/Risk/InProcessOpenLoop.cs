using System.Diagnostics;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Bench.Risk;

/// <summary>Consumer-side state of the open-loop sink (written by the consumer thread only).</summary>
public sealed class OpenLoopRecorder(int capacity)
{
    /// <summary>Intended-send-time → last output of the input, for inputs published with a non-zero tag.</summary>
    public readonly LatencySamples Samples = new(capacity);
    /// <summary>Outputs seen.</summary>
    public long Outputs;
}

/// <summary>Outbound consumer: records now − intended send time (the tag) at each input's last output.</summary>
public readonly struct OpenLoopSink(OpenLoopRecorder recorder) : IEventHandler<OutboundEvent>
{
    /// <inheritdoc />
    public void OnEvent(ref OutboundEvent data, long sequence, bool endOfBatch)
    {
        recorder.Outputs++;
        if (data.LastOfInput && data.Tag != 0) recorder.Samples.RecordSince(data.Tag);
    }

    /// <inheritdoc />
    public void OnBatchStart(long batchSize) { }
    /// <inheritdoc />
    public void OnStart() { }
    /// <inheritdoc />
    public void OnShutdown() { }
}

/// <summary>
/// The risk pipeline in process (producer → inbound ring → risk processor → outbound ring →
/// consumer; yielding waits, three threads on the machine's cores): burst throughput of the
/// <see cref="Market"/> mix, the engine alone on one thread as its limit, then open-loop latency at
/// each offered rate. Open loop: input i is due at t0 + i/rate whatever happened before; the
/// producer publishes it as soon as it can (at once when behind) with the due time as its tag, and
/// the consumer records now − due time, so a stall is charged to every input it delays
/// (coordinated omission corrected). Writes fragment "inproc".
/// </summary>
public static class InProcessOpenLoop
{
    private const int MixLength = 1 << 19;

    /// <summary>Runs the measurements.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "inproc" };
        var config = GateConfig.LoadDefault();
        var market = new Market();
        var engine = config.BuildEngine();
        Market.Apply(engine, market.Prefill(engine));
        RiskInput[] mix = market.Mix(engine, MixLength);
        EngineDirect(f, config, market, mix);

        int capacity = (int)(OfferedRates.All.Max(r => r.PerSecond * OfferedRates.Seconds(r.PerSecond, o.Quick)) + 1);
        var recorder = new OpenLoopRecorder(capacity);
        using var pipeline = new RiskPipeline<YieldingWaitStrategy, OpenLoopSink>(engine, new OpenLoopSink(recorder), default,
            new RiskPipelineOptions { InboundSize = 65536, OutboundSize = 65536, ThreadName = "bench-risk" });
        pipeline.Start();
        var timeout = TimeSpan.FromSeconds(120);
        long round = 1;

        // Burst: the whole mix as fast as the producer can publish, drained.
        Burst(pipeline, mix, round++); // warm-up
        if (!pipeline.Drain(timeout)) throw new TimeoutException("warm-up did not drain");
        int rounds = o.Quick ? 2 : 6;
        var g0 = GcCounts.Now();
        long in0 = pipeline.Counters.Inputs;
        long t0 = Stopwatch.GetTimestamp();
        for (int r = 0; r < rounds; r++) Burst(pipeline, mix, round++);
        if (!pipeline.Drain(timeout)) throw new TimeoutException("burst did not drain");
        double secs = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        f.AddGc(GcCounts.Now().Since(g0));
        long inputs = pipeline.Counters.Inputs - in0;
        f.Figures["pipeline_inputs_per_s"] = inputs / secs;
        Console.WriteLine($"pipeline burst: {inputs:N0} inputs in {secs:F3} s = {inputs / secs:N0} inputs/s");

        long cursor = 0;
        foreach (var (label, rate) in OfferedRates.All)
        {
            double seconds = OfferedRates.Seconds(rate, o.Quick);
            long count = (long)(rate * seconds);
            // Short warm-up at the rate (not recorded), then the measured run.
            OpenLoop(pipeline, mix, ref cursor, ref round, rate, (long)Math.Min(count / 10, rate / 4), record: false);
            if (!pipeline.Drain(timeout)) throw new TimeoutException("warm-up did not drain");
            recorder.Samples.Reset();
            long inBefore = pipeline.Counters.Inputs;
            g0 = GcCounts.Now();
            double achieved = OpenLoop(pipeline, mix, ref cursor, ref round, rate, count, record: true);
            if (!pipeline.Drain(timeout)) throw new TimeoutException($"open loop at {label}/s did not drain");
            f.AddGc(GcCounts.Now().Since(g0));
            var row = f.AddLatency($"inproc/{label}/s", recorder.Samples);
            f.Figures[$"pipeline_p50_ns_at_{label}_per_s"] = row.P50;
            f.Figures[$"pipeline_p99_ns_at_{label}_per_s"] = row.P99;
            f.Figures[$"pipeline_p999_ns_at_{label}_per_s"] = row.P999;
            f.Figures[$"pipeline_publish_rate_at_{label}_per_s"] = achieved;
            Console.WriteLine($"in process open loop {label,4}/s offered ({pipeline.Counters.Inputs - inBefore:N0} inputs, {row.Count:N0} with output, publish rate {achieved:N0}/s): " +
                              $"p50 {row.P50:N0} p90 {row.P90:N0} p99 {row.P99:N0} p99.9 {row.P999:N0} p99.99 {row.P9999:N0} max {row.Max:N0} ns");
        }
        f.Notes.Add("in process: GateConfig.LoadDefault() engine, Market mix (Zipf accounts s=1.1 over 10,000, BTC 70 % / ETH 30 %, orders 48 %, cancels 30 %, fills 22 %, 1 mark per 10,000), rings 65,536, yielding waits");
        f.Notes.Add("latency is recorded for inputs that produce an output (orders: accepted/rejected; cancels/fills when they emit events or input errors), from the intended send time; publish_rate < offered means the producer fell behind and the delay is in the figures");
        if (!pipeline.Stop(timeout)) throw new TimeoutException("stop");
        f.Notes.Add($"engine after the run: {pipeline.Counters.Inputs:N0} inputs, {pipeline.Counters.InputErrors:N0} input errors, {pipeline.Counters.Outputs:N0} outputs, handler failures {pipeline.Failures}");
        return f;
    }

    private static void EngineDirect(Fragment f, GateConfig config, Market market, RiskInput[] mix)
    {
        var e = config.BuildEngine();
        Market.Apply(e, new Market().Prefill(e));
        double best = 0;
        for (long round = 1; round <= 3; round++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < mix.Length; i++)
            {
                var x = Market.InRound(in mix[i], round);
                e.Process(in x);
            }
            double rate = mix.Length / Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (round > 1) best = Math.Max(best, rate);
        }
        f.Figures["engine_direct_inputs_per_s"] = best;
        Console.WriteLine($"engine alone on one thread, same mix: {best:N0} inputs/s");
    }

    private static void Burst<TWait, TSink>(RiskPipeline<TWait, TSink> p, RiskInput[] mix, long round)
        where TWait : struct, IWaitStrategy where TSink : struct, IEventHandler<OutboundEvent>
    {
        for (int i = 0; i < mix.Length; i++)
        {
            var x = Market.InRound(in mix[i], round);
            p.Publish(in x);
        }
    }

    /// <summary>Publishes <paramref name="count"/> inputs open-loop at <paramref name="rate"/>; returns the achieved publish rate.</summary>
    private static double OpenLoop<TWait, TSink>(RiskPipeline<TWait, TSink> p, RiskInput[] mix, ref long cursor, ref long round, double rate, long count, bool record)
        where TWait : struct, IWaitStrategy where TSink : struct, IEventHandler<OutboundEvent>
    {
        double ticksPerInput = Stopwatch.Frequency / rate;
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < count; i++)
        {
            long due = start + (long)(i * ticksPerInput);
            // Yield while early: the processor and consumer need the cores more than a spinning producer.
            while (Stopwatch.GetTimestamp() < due) Thread.Yield();
            if (cursor == mix.Length) { cursor = 0; round++; }
            var x = Market.InRound(in mix[cursor++], round);
            p.Publish(in x, record ? due : 0);
        }
        return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
