using System.Diagnostics;
using CrossMargin.Bench.Measure;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;

namespace CrossMargin.Bench.Risk;

/// <summary>What a soak runs: how long, how fast, on which channels, and where the journal goes.</summary>
/// <param name="Seconds">Measured seconds of offered load (after <paramref name="WarmupSeconds"/>).</param>
/// <param name="Rate">Inputs per second offered, open loop.</param>
/// <param name="Ports">Loopback ports of market data, order flow and decisions.</param>
/// <param name="JournalDirectory">A directory that must not exist yet; removed afterwards unless <paramref name="KeepJournal"/>.</param>
/// <param name="WarmupSeconds">Load before measuring (JIT tiering, first allocations of the rings and terms).</param>
/// <param name="SampleSeconds">Between two samples of memory, GC counts and counters.</param>
/// <param name="KeepJournal">Keep the journal directory (to inspect it).</param>
public sealed record SoakSettings(double Seconds, double Rate, int[] Ports, string JournalDirectory,
    double WarmupSeconds = 20, double SampleSeconds = 10, bool KeepJournal = false, DurabilityPolicy? DecisionDurability = null);

/// <summary>One reading during the measured phase.</summary>
/// <param name="Seconds">Since the measured phase began.</param>
/// <param name="Processed">Inputs the risk processor has handled.</param>
/// <param name="GcCollections">Collections in this process since the measured phase began (all generations).</param>
/// <param name="HeapBytes">Managed heap size after the last GC plus what was allocated since (<see cref="GC.GetTotalMemory(bool)"/>).</param>
/// <param name="WorkingSetBytes">The process's resident memory.</param>
public readonly record struct SoakSample(double Seconds, long Processed, int GcCollections, long HeapBytes, long WorkingSetBytes);

/// <summary>
/// The verdict of a soak. Every count is of the whole run (warm-up included) except the samples.
/// <see cref="Failures"/> lists every check that did not hold, in words; empty means the soak passed.
/// </summary>
public sealed record SoakResult(
    double AchievedRate, long Sent, long Received, long Published, long Journaled, long Processed,
    long DecodeRejects, long SequenceGaps, long InboundRingFull, int GcCollectionsMeasured, long AllocatedBytesMeasured,
    long HeapGrowthBytes, long WorkingSetGrowthBytes, bool ReplayHashEqual, IReadOnlyList<SoakSample> Samples, IReadOnlyList<string> Failures);

/// <summary>
/// Issue 9's soak: the gate (in this process, journal on, batch durability) under the
/// <see cref="Market"/> mix at a high offered rate for minutes, with odd rounds mirrored so positions
/// and books stay bounded. It checks that memory stays flat, no GC runs in the measured phase (in this
/// whole process: the sending client is allocation-free too, so the check is strict), and that every
/// input sent was received, journaled and processed — the journal read back from disk — and that a
/// replay of the journal gives the live engine's state hash.
/// </summary>
public static class Soak
{
    /// <summary>Heap growth over the measured phase above which memory is not flat.</summary>
    public const long HeapGrowthLimit = 1 << 20;

    /// <summary>Resident-memory growth over the measured phase above which memory is not flat (terms and journal pages settle during warm-up).</summary>
    public const long WorkingSetGrowthLimit = 64L << 20;

    /// <summary>Runs a soak and returns its verdict; <paramref name="progress"/> gets one line per sample.</summary>
    public static SoakResult Run(SoakSettings s, Action<string>? progress = null)
    {
        if (Directory.Exists(s.JournalDirectory)) throw new ArgumentException($"journal directory {s.JournalDirectory} exists");
        var config = GateClient.LoopbackConfig(s.Ports) with { JournalDurability = DurabilityPolicy.Batch, DecisionDurability = s.DecisionDurability };
        config = config.WithJournal(s.JournalDirectory);
        var market = new Market();
        var reference = config.BuildEngine();
        var prefill = market.Prefill(reference);
        Market.Apply(reference, prefill);
        RiskInput[] mix = market.Mix(reference, 1 << 19);
        var failures = new List<string>();
        var samples = new List<SoakSample>();
        var client = new GateClient(config, 1 << 20); // order round trips of the measured phase (8 MiB, allocated before it)
        var gate = GateHost.Start(config);
        SoakResult result;
        try
        {
            client.Connect(gate);
            client.SendAll(prefill, gate);
            long cursor = 0, round = 1;
            client.OpenLoop(mix, ref cursor, ref round, s.Rate, (long)(s.Rate * s.WarmupSeconds), record: false, mirrorOddRounds: true);
            // Settle the heap before the baseline, so growth means growth and not last warm-up garbage.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var g0 = GcCounts.Now();
            long heap0 = GC.GetTotalMemory(false), ws0 = Environment.WorkingSet, allocated0 = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            long measured = (long)(s.Rate * s.Seconds), chunk = Math.Max(1, (long)(s.Rate * s.SampleSeconds)), done = 0;
            double sendSeconds = 0;
            while (done < measured)
            {
                long n = Math.Min(chunk, measured - done);
                var (achieved, _) = client.OpenLoop(mix, ref cursor, ref round, s.Rate, n, record: true, mirrorOddRounds: true);
                sendSeconds += n / achieved;
                done += n;
                var sample = new SoakSample(clock.Elapsed.TotalSeconds, gate.ProcessorCounters.Inputs, GcCounts.Now().Since(g0).Total,
                    GC.GetTotalMemory(false), Environment.WorkingSet);
                samples.Add(sample);
                progress?.Invoke($"soak {sample.Seconds,6:F0} s: processed {sample.Processed:N0}, GCs {sample.GcCollections}, heap {sample.HeapBytes / 1048576.0:F1} MiB, working set {sample.WorkingSetBytes / 1048576.0:F1} MiB");
                if (gate.Fault is not null) throw new InvalidOperationException("gate network thread failed", gate.Fault);
            }
            int gcs = GcCounts.Now().Since(g0).Total;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0; // the samples' own few strings included
            long heapGrowth = GC.GetTotalMemory(false) - heap0, wsGrowth = Environment.WorkingSet - ws0;
            var rt = client.Samples.Summarize(); // after the allocation reading (it sorts the samples in place)
            progress?.Invoke(FormattableString.Invariant($"soak order round trip (decision received - intended send), measured phase, {rt.Count:N0} orders ({client.Samples.Dropped:N0} not kept): p50 {rt.P50 / 1000:F1} p90 {rt.P90 / 1000:F1} p99 {rt.P99 / 1000:F1} p99.9 {rt.P999 / 1000:F1} max {rt.Max / 1000:F1} µs"));

            // Drain: everything sent is processed (the journal is written before a decision goes out).
            long sent = client.Sent;
            var drain = Stopwatch.StartNew();
            while (gate.ProcessorCounters.Inputs < sent && drain.Elapsed < TimeSpan.FromSeconds(60))
                if (client.Work() == 0) Thread.Yield();
            long received = gate.Counters.FragmentsReceived.Value, published = gate.Counters.InputsPublished.Value, processed = gate.ProcessorCounters.Inputs;
            var c = gate.Counters;
            if (!gate.Stop(TimeSpan.FromSeconds(30))) failures.Add("the gate did not stop within 30 s");
            progress?.Invoke($"decision log: {c.DecisionsLogged.Value:N0} decisions logged with {c.DecisionLogSyncs.Value:N0} fdatasyncs (journal.durability {config.JournalDurability}, decision log {config.DecisionLogDurability})");
            ulong liveHash = gate.Engine.StateHash();
            var replayed = config.BuildEngine();
            var replay = InputJournal.Replay(s.JournalDirectory, replayed, ConfigFingerprint.Of(config));
            long journaled = replay.Records;
            bool hashEqual = replay.Error is null && replayed.StateHash() == liveHash;

            if (gcs != 0) failures.Add($"{gcs} GC collections in the measured phase");
            if (heapGrowth > HeapGrowthLimit) failures.Add($"managed heap grew {heapGrowth:N0} bytes over the measured phase (limit {HeapGrowthLimit:N0})");
            if (wsGrowth > WorkingSetGrowthLimit) failures.Add($"working set grew {wsGrowth:N0} bytes over the measured phase (limit {WorkingSetGrowthLimit:N0})");
            if (received != sent) failures.Add($"sent {sent:N0} but the gate received {received:N0}");
            if (published != sent) failures.Add($"sent {sent:N0} but {published:N0} entered the ring");
            if (journaled != sent) failures.Add($"sent {sent:N0} but the journal holds {journaled:N0}{(replay.Error is null ? "" : $" ({replay.Error})")}");
            if (processed != sent) failures.Add($"sent {sent:N0} but {processed:N0} were processed");
            if (c.DecodeRejects.Value != 0) failures.Add($"{c.DecodeRejects.Value:N0} decode rejects");
            if (c.SequenceGaps.Value != 0) failures.Add($"{c.SequenceGaps.Value:N0} sequence gaps");
            if (!hashEqual) failures.Add($"a replay of the journal does not give the live state hash {liveHash:x16}");
            result = new SoakResult(measured / Math.Max(sendSeconds, 1e-9), sent, received, published, journaled, processed,
                c.DecodeRejects.Value, c.SequenceGaps.Value, c.InboundRingFull.Value, gcs, allocated, heapGrowth, wsGrowth, hashEqual, samples, failures);
        }
        finally
        {
            client.Dispose();
            gate.Dispose();
            if (!s.KeepJournal && Directory.Exists(s.JournalDirectory)) Directory.Delete(s.JournalDirectory, recursive: true);
        }
        return result;
    }
}
