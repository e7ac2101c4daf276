using System.Diagnostics;
using System.Globalization;
using CrossMargin.Core.Engine;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Gate.Journal;
using CrossMargin.Messages;
using HdrHistogram;

namespace CrossMargin.Journal.Benchmarks;

/// <summary>
/// <c>snapshot</c> mode (issue 9, item 2): snapshot size, write time (fsynced), load time (with and
/// without the cache audit), restart time from the snapshot + a journal tail against a full replay of
/// the same journal, and the risk thread's per-input latency while the snapshot replica follows the
/// journal and writes snapshots, against the same thread alone. Population: N accounts of the default
/// config (2 perpetuals, 3 assets; capacities 8 instruments × 4 assets × 16 orders), each a deposit,
/// every other one an order and a fill (a position), every fourth a resting order; then H inputs of
/// trading history; the snapshot is taken after them. Tail (and history): T inputs —
/// fills 40 %, orders 20 %, cancels 10 %, marks 10 %, deposits 20 % — over random accounts (a seeded
/// generator: a benchmark's workload, not a test's).
/// </summary>
public static class SnapshotHarness
{
    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static int Run(int accounts, int history, int tail, int repetitions, string root)
    {
        string json = GateConfig.DefaultJson().Replace("\"accounts\": 20000", F($"\"accounts\": {accounts}"));
        var config = GateConfig.Parse(json);
        var fingerprint = ConfigFingerprint.Of(config);
        string dir = Path.Combine(root, F($"cm-snapshot-bench-{Environment.ProcessId}"));
        Console.WriteLine(F($"CrossMargin snapshot harness: {Environment.ProcessorCount} cores, {accounts:N0} accounts, history {history:N0} inputs, tail {tail:N0} inputs, {repetitions} repetitions, directory {root} ({JournalHarness.FileSystemOf(root)})"));
        try
        {
            var engine = config.BuildEngine();
            var population = Population(engine, accounts);
            population.AddRange(Tail(engine, accounts, history, seed: 5)); // trading history before the snapshot
            var tailInputs = Tail(engine, accounts, tail, seed: 11);
            // The journal: population then tail, as a sender would have sent it (durability none: the journal is not what is measured here).
            var sw = Stopwatch.StartNew();
            var buffer = new byte[InputCodec.MaxLength];
            using (var w = JournalWriter.Open(dir, new JournalOptions(fingerprint, DurabilityPolicy.None), out _))
            {
                long seq = 0;
                foreach (var input in population.Concat(tailInputs))
                {
                    int n = InputCodec.Encode(input, ++seq, buffer);
                    if (w.Append(w.NextSequence, 1, 1, buffer.AsSpan(0, n)) != AppendResult.Ok) throw new InvalidOperationException("append refused");
                    if ((seq & 255) == 0) w.Commit();
                }
                w.Commit();
            }
            Console.WriteLine(F($"journal: {population.Count:N0} population and history + {tailInputs.Count:N0} tail records, {Directory.GetFiles(dir, "segment-*").Sum(f => new FileInfo(f).Length) / 1e6:F0} MB, written in {sw.Elapsed.TotalSeconds:F1} s"));

            sw.Restart();
            var publishers = new PublisherSequences();
            long sender = 0;
            foreach (var input in population) { engine.Process(input); publishers.Track(1, 1, ++sender); }
            Console.WriteLine(F($"population and history applied directly: {population.Count:N0} inputs in {sw.Elapsed.TotalSeconds:F1} s; {engine.AccountCount:N0} accounts"));
            ulong populationHash = engine.StateHash();

            // Snapshot write (fsynced, renamed, directory fsynced), repeated.
            var writes = new List<SnapshotWritten>();
            for (int r = 0; r < repetitions; r++)
            {
                foreach (var (_, path) in SnapshotFile.List(dir)) File.Delete(path);
                writes.Add(SnapshotFile.Write(dir, engine, population.Count, fingerprint, publishers.Entries(), sync: true, keep: 1));
            }
            var snap = writes[^1];
            Console.WriteLine(F($"snapshot write: {snap.Bytes:N0} bytes ({snap.Bytes / (double)accounts:F0} B/account), median {Median(writes.Select(w => w.Elapsed.TotalSeconds)):F2} s (runs {string.Join(", ", writes.Select(w => w.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))}), {snap.Bytes / 1e6 / Median(writes.Select(w => w.Elapsed.TotalSeconds)):F0} MB/s"));

            // Load: engine built from the config + file read + checks (+ the cache audit).
            RiskEngine? loaded = null;
            foreach (bool audit in new[] { false, true })
            {
                var times = new List<double>();
                for (int r = 0; r < repetitions; r++)
                {
                    GC.Collect();
                    var t = Stopwatch.StartNew();
                    var fresh = config.BuildEngine();
                    string? error = SnapshotFile.TryLoad(snap.Path, fingerprint, fresh, out _, verifyCaches: audit);
                    times.Add(t.Elapsed.TotalSeconds);
                    if (error is not null) throw new InvalidOperationException(error);
                    if (fresh.StateHash() != populationHash) throw new InvalidOperationException("loaded state differs");
                    loaded = fresh;
                }
                Console.WriteLine(F($"snapshot load ({(audit ? "with" : "without")} the cache audit, engine build included): median {Median(times):F2} s (runs {string.Join(", ", times.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))})"));
            }

            // The same tail on the engine that lived through the inputs and on the one loaded from the snapshot.
            sw.Restart();
            foreach (var input in tailInputs) engine.Process(input);
            double direct = sw.Elapsed.TotalSeconds;
            sw.Restart();
            foreach (var input in tailInputs) loaded!.Process(input);
            double onLoaded = sw.Elapsed.TotalSeconds;
            Console.WriteLine(F($"tail applied directly: {tailInputs.Count:N0} inputs in {direct:F2} s ({tailInputs.Count / direct:N0}/s) on the live engine, {onLoaded:F2} s on the engine loaded from the snapshot"));
            ulong finalHash = engine.StateHash();
            if (loaded!.StateHash() != finalHash) throw new InvalidOperationException("the loaded engine diverged");
            loaded = null;

            // Restart: snapshot + tail vs the whole journal, through the gate's own start-up path, interleaved
            // (the machine is shared: drift hits both alike).
            var restart = new[] { new List<double>(), new List<double>() };
            var reports = new RecoveryReport?[2];
            for (int r = 0; r < repetitions; r++)
                for (int m = 0; m < 2; m++)
                {
                    GC.Collect();
                    var t = Stopwatch.StartNew();
                    var error = JournalRecovery.TryOpen(dir, new JournalOptions(fingerprint, DurabilityPolicy.None), () => config.BuildEngine(), useSnapshots: m == 0, out var writer, out _, out var recovered);
                    restart[m].Add(t.Elapsed.TotalSeconds);
                    writer?.Dispose();
                    if (error is not null) throw new InvalidOperationException(error.ToString());
                    if (recovered!.Engine.StateHash() != finalHash) throw new InvalidOperationException("restarted state differs from the uninterrupted run");
                    reports[m] = recovered.Report;
                }
            for (int m = 0; m < 2; m++)
                Console.WriteLine(F($"restart {(m == 0 ? "from snapshot + tail" : "full replay         ")}: median {Median(restart[m]):F2} s, best {restart[m].Min():F2} s (runs {string.Join(", ", restart[m].Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}); last: {reports[m]}"));
            Console.WriteLine(F($"restart ratio snapshot / full replay: median {Median(restart[0]) / Median(restart[1]):F2}, best {restart[0].Min() / restart[1].Min():F2}"));
            Console.WriteLine(F($"state hash after population, history and tail {finalHash:x16} (all restarts equal)"));

            RiskThreadPause(config, fingerprint, dir, engine, snap.Path, accounts, tailInputs.Count);
            return 0;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The risk thread (this one) processes further inputs on the live engine, timing each, first alone,
    /// then while a <see cref="SnapshotReplica"/> starts from the snapshot, applies the journal tail and
    /// writes a snapshot every quarter of it and one on request (fsynced) — the replica's whole cost, on a machine of 2 cores.
    /// </summary>
    private static void RiskThreadPause(GateConfig config, ConfigFingerprint fingerprint, string dir, RiskEngine engine, string snapshot, int accounts, int journalTail)
    {
        var inputs = Tail(engine, accounts, 1_000_000, seed: 23);
        var alone = new LongHistogram(TimeStamp.Seconds(10), 3);
        int k = 0;
        var sw = Stopwatch.StartNew();
        var gc = GcMark.Now();
        while (sw.Elapsed.TotalSeconds < 5) Time(engine, inputs, ref k, alone);
        var gcAlone = GcMark.Now() - gc;
        var concurrent = new LongHistogram(TimeStamp.Seconds(10), 3);
        long journalEnd = JournalReader.Verify(dir).NextSequence - 1;
        long start = long.Parse(Path.GetFileNameWithoutExtension(snapshot)["snapshot-".Length..], CultureInfo.InvariantCulture);
        sw.Restart();
        GcMark gcWith;
        using (var replica = new SnapshotReplica(dir, () => config.BuildEngine(), fingerprint, () => journalEnd, new SnapshotPolicy(Math.Max(1, journalTail / 4), 0, Keep: 2), snapshot, sync: true))
        {
            gc = GcMark.Now(); // after the replica's engine was built (the gate builds it at start-up, before the risk thread runs)
            Console.WriteLine(F($"replica engine built in {sw.Elapsed.TotalSeconds:F2} s (start-up cost)"));
            sw.Restart();
            while (replica.AppliedSequence < journalEnd && replica.Fault is null) Time(engine, inputs, ref k, concurrent);
            long due = replica.Written;
            replica.Request(); // and one on request at the end, as an operator's SIGUSR1
            while (replica.Written == due && replica.Fault is null) Time(engine, inputs, ref k, concurrent);
            gcWith = GcMark.Now() - gc;
            if (replica.Fault is { } fault) throw new InvalidOperationException(fault);
            Console.WriteLine(F($"replica: from input {start:N0} followed {journalEnd - start:N0} journal inputs and wrote {replica.Written} snapshots (every {Math.Max(1, journalTail / 4):N0} inputs + 1 requested) in {sw.Elapsed.TotalSeconds:F1} s; longest snapshot write {replica.MaxWriteTime.TotalSeconds:F2} s"));
        }
        double us = Stopwatch.Frequency / 1e6;
        foreach (var (name, h, g) in new[] { ("alone", alone, gcAlone), ("with replica", concurrent, gcWith) })
            Console.WriteLine(F($"risk thread per input, {name,-12}: {h.TotalCount,10:N0} inputs, p50 {h.GetValueAtPercentile(50) / us,7:F2} µs, p99 {h.GetValueAtPercentile(99) / us,8:F2} µs, p99.9 {h.GetValueAtPercentile(99.9) / us,8:F2} µs, p99.99 {h.GetValueAtPercentile(99.99) / us,9:F1} µs, max {h.GetMaxValue() / us,9:F1} µs; GCs gen0/1/2 {g.Gen0}/{g.Gen1}/{g.Gen2}, GC pause {g.Pause.TotalMilliseconds:F1} ms"));
        Console.WriteLine("(the risk thread never waits for the replica: any difference is CPU and memory-bandwidth contention on the shared cores, not a pause)");
    }

    private readonly record struct GcMark(int Gen0, int Gen1, int Gen2, TimeSpan Pause)
    {
        public static GcMark Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        public static GcMark operator -(GcMark a, GcMark b) => new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Pause - b.Pause);
    }

    private static void Time(RiskEngine engine, List<RiskInput> inputs, ref int k, LongHistogram h)
    {
        for (int n = 0; n < 10_000; n++)
        {
            var input = inputs[k++ % inputs.Count];
            long t0 = Stopwatch.GetTimestamp();
            engine.Process(input);
            h.RecordValue(Stopwatch.GetTimestamp() - t0);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static List<RiskInput> Population(RiskEngine engine, int accounts)
    {
        int btc = engine.FindInstrument("BTC-PERP"), eth = engine.FindInstrument("ETH-PERP");
        var inputs = new List<RiskInput>(accounts * 2 + accounts / 4);
        long orderId = 1;
        for (long a = 1; a <= accounts; a++)
        {
            inputs.Add(new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = (2_000 + a % 5_000) * 1_000_000 });
            int instr = a % 3 == 0 ? eth : btc;
            long price = engine.GetInstrument(instr).MarkTicks;
            var side = a % 2 == 0 ? Side.Buy : Side.Sell;
            if (a % 2 == 0)
            {
                inputs.Add(new RiskInput { Kind = InputKind.Order, Account = a, OrderId = orderId, Instrument = instr, Side = side, Qty = 1 + a % 20, Price = price });
                inputs.Add(new RiskInput { Kind = InputKind.Fill, Account = a, OrderId = orderId++, HasOrderId = true, Instrument = instr, Side = side, Qty = 1 + a % 20, Price = price, HasFee = true, Fee = 100 });
            }
            if (a % 4 == 1) inputs.Add(new RiskInput { Kind = InputKind.Order, Account = a, OrderId = orderId++, Instrument = instr, Side = side, Qty = 1 + a % 7, Price = price - (price / 100) });
        }
        return inputs;
    }

    private static List<RiskInput> Tail(RiskEngine engine, int accounts, int count, int seed)
    {
        int btc = engine.FindInstrument("BTC-PERP"), eth = engine.FindInstrument("ETH-PERP");
        var rng = new Random(seed);
        var inputs = new List<RiskInput>(count);
        long orderId = 1L << 40;
        for (int i = 0; i < count; i++)
        {
            long a = rng.Next(1, accounts + 1);
            int instr = rng.Next(3) == 0 ? eth : btc;
            long mark = engine.GetInstrument(instr).MarkTicks;
            var side = rng.Next(2) == 0 ? Side.Buy : Side.Sell;
            int roll = rng.Next(100);
            inputs.Add(roll switch
            {
                < 40 => new RiskInput { Kind = InputKind.Fill, Account = a, Instrument = instr, Side = side, Qty = rng.Next(1, 5), Price = mark + rng.Next(-50, 51), HasFee = true, Fee = 50 },
                < 60 => new RiskInput { Kind = InputKind.Order, Account = a, OrderId = orderId++, Instrument = instr, Side = side, Qty = rng.Next(1, 5), Price = mark },
                < 70 => new RiskInput { Kind = InputKind.Cancel, Account = a, OrderId = orderId - rng.Next(1, 50) },
                < 80 => new RiskInput { Kind = InputKind.Mark, Instrument = instr, Price = mark + rng.Next(-20, 21) },
                _ => new RiskInput { Kind = InputKind.Deposit, Account = a, Asset = 0, Amount = rng.Next(1, 1000) * 1_000_000L },
            });
        }
        return inputs;
    }
}
