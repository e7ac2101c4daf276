using System.Globalization;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Benchmarks;

/// <summary>
/// <c>scale</c> mode (issue 8, item 7): one JSON object per line on stdout, notes on stderr.
/// <list type="bullet">
/// <item><c>tick</c>: a BTC-PERP mark tick over N holders (1k … 1M) in both trigger modes, for a one-tick
/// move, a 0.1 % move and a 10 % crash; re-evaluated = holder slots the index popped (scan: every holder).</item>
/// <item><c>order_check</c>: an order check (a full insufficient-margin check, so the state stays
/// stationary) on a random account of N, singly timed, or in batches of 64 with the two-stage look-ahead
/// prefetch (stage 1 sixteen inputs ahead, stage 2 eight ahead), timed per batch.</item>
/// <item><c>memory</c>: bytes allocated to build an engine for 1M accounts × 8 instruments.</item>
/// </list>
/// <para>Leverage distribution of the population (notional / equity, deterministic per account):
/// 40 % in [1, 3), 30 % in [3, 5), 20 % in [5, 10), 8 % in [10, 20), 2 % in [20, 40); equity
/// $1,000–$50,000; long and short alternate; notional capped at $1M (the top bracket). BTC-PERP brackets
/// 50k/1 %/0.5 %, 250k/2 %/1 %, 1M/5 %/2.5 %. The insurance fund covers every deficit (no ADL), so a
/// crash takes over the accounts it bankrupts once (a warm-up crash) and then liquidates and restores
/// the same set on every measured crash.</para>
/// </summary>
internal static partial class Scale
{
    private const int Btc = 0;
    private const long Mark = 500_000; // 50 000.0 in ticks
    private const long Tv = 100;       // µ per lot per tick

    public static int Run(string[] args)
    {
        if (args.Contains("--pipeline-only")) { ScalePipeline.Run(100_000, args.Contains("--quick")); return 0; }
        if (args.Contains("--crash-loop"))
        {
            // For a profiler: crash / restore in a loop over N holders (index mode).
            var e = Population(int.Parse(args[^1], CultureInfo.InvariantCulture), TriggerMode.Index);
            var d = new Dist();
            for (int k = 0; k < 40; k++) { long t0 = Clock.Now(); Tick(e, Mark - Mark / 10); d.AddTicks(Clock.Now() - t0); Tick(e, Mark); }
            Note($"crash loop: median {d.Median:F0} ns, pops total {e.Counters.TriggerPops:N0}");
            return 0;
        }
        if (args.Contains("--quiet-loop"))
        {
            // For a profiler: one-tick moves up and down over N holders (index mode), 2M of them.
            var e = Population(int.Parse(args[^1], CultureInfo.InvariantCulture), TriggerMode.Index);
            var d = new Dist();
            for (int k = 0; k < 1_000_000; k++) { long t0 = Clock.Now(); Tick(e, Mark + 1); Tick(e, Mark); d.AddTicks(Clock.Now() - t0); }
            Note($"quiet loop: median {d.Median / 2:F0} ns per tick, pops total {e.Counters.TriggerPops:N0}, events on the last {e.Events.Count}");
            return 0;
        }
        if (args.Contains("--index-ticks")) { IndexTickRuns(args.Contains("--quick")); return 0; }
        if (args.Contains("--explain-quiet")) return ExplainQuiet(int.Parse(args[^1], CultureInfo.InvariantCulture));
        bool quick = args.Contains("--quick");
        int[] holders = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
        int[] orderAccounts = quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000];
        // --only memory,tick,order_check,pipeline   --sizes 1000000   --trigger index|scan : a subset (profiling, A/B runs)
        string? only = Option(args, "--only");
        if (Option(args, "--sizes") is { } sizes) holders = orderAccounts = sizes.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        TriggerMode[] triggers = Option(args, "--trigger") is { } tm ? [TriggerModes.TryParse(tm, out var parsed) ? parsed : throw new ArgumentException($"unknown trigger '{tm}'")] : [TriggerMode.Index, TriggerMode.Scan];
        bool Runs(string piece) => only == null || only.Split(',').Contains(piece);
        Note($"scale: {Environment.ProcessorCount} cores, {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256")}, load {LoadAverage()}, timer overhead {Clock.TimerOverheadNs():F0} ns (included in single-shot samples)");
        if (Runs("memory")) Memory(quick ? 100_000 : 1_000_000);
        if (Runs("tick"))
            foreach (int n in holders)
                foreach (var trigger in triggers)
                    Ticks(n, trigger, quick);
        if (Runs("order_check")) foreach (int n in orderAccounts) OrderChecks(n, quick);
        if (Runs("pipeline")) ScalePipeline.Run(quick ? 10_000 : 100_000, quick);
        Note($"scale: load at the end {LoadAverage()}");
        return 0;
    }

    // ---------------------------------------------------------------- population

    /// <summary>Deterministic per-account draw in [0, 1) (SplitMix64 of the index and a stream number).</summary>
    private static double U(long i, int stream)
    {
        ulong z = (ulong)(i * 4 + stream) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    private static double Leverage(long i)
    {
        double u = U(i, 0), v = U(i, 1);
        return u < 0.40 ? 1 + 2 * v : u < 0.70 ? 3 + 2 * v : u < 0.90 ? 5 + 5 * v : u < 0.98 ? 10 + 10 * v : 20 + 20 * v;
    }

    internal static RiskEngine Population(int n, TriggerMode trigger, int instruments = 4)
    {
        var e = new RiskEngine(new Capacities { Accounts = n, Instruments = instruments, Assets = 1, OrdersPerAccount = 8, EventsPerInput = 4 * n + 1024 }, trigger: trigger);
        if (!e.DefineSettlementAsset("USD", out var err)) throw new InvalidOperationException(err);
        for (int k = 0; k < instruments; k++)
            if (!e.TryDefineInstrument(Workload.Perp(k == 0 ? "BTC-PERP" : $"P{k}-PERP", "50000"), out err)) throw new InvalidOperationException(err);
        Must(e, new RiskInput { Kind = InputKind.Config, LiquidationFeeRatePpm = 5_000, LiquidationBufferPpm = 100_000, Amount = 10_000_000_000L * 1_000_000 });
        for (int i = 0; i < n; i++)
        {
            var (id, equity, lots) = Holder(i);
            Must(e, Workload.Deposit(id, equity));
            Must(e, Workload.Fill(id, Btc, i % 2 == 0 ? Side.Buy : Side.Sell, lots, Mark));
        }
        return e;
    }

    /// <summary>Account i of the population: its id, equity (µ) and BTC-PERP lots (notional = equity × leverage, capped at $1M).</summary>
    private static (long Id, long Equity, long Lots) Holder(int i)
    {
        long equity = (long)(1_000 * Math.Pow(50, U(i, 2))) * 1_000_000;
        long notional = Math.Min((long)(equity * Leverage(i)), 1_000_000L * 1_000_000);
        return (Workload.AccountId(i), equity, Math.Max(1, notional / (Mark * Tv)));
    }

    private static void Must(RiskEngine e, in RiskInput input)
    {
        var s = e.Process(input);
        if (s != ProcessStatus.Applied) throw new InvalidOperationException($"{input.Kind}: {s}");
    }

    // ---------------------------------------------------------------- tick

    private static void Ticks(int n, TriggerMode trigger, bool quick) => MoveCases(Population(n, trigger), "tick", InputKind.Mark, Btc, Mark, n, trigger, quick);

    /// <summary>One-step, 0.1 % and 10 % moves of a mark (or an index price) from <paramref name="basis"/>, each a JSON line named <paramref name="bench"/>.</summary>
    private static void MoveCases(RiskEngine e, string bench, InputKind kind, int target, long basis, int n, TriggerMode trigger, bool quick)
    {
        foreach (var (move, delta) in new[] { ("quiet", 1L), ("typical", basis / 1000), ("crash", basis / 10) })
        {
            bool crash = move == "crash";
            // Warm-up (and, for the crash, the one-time takeover of the accounts it bankrupts).
            for (int w = 0; w < (crash ? 2 : 200); w++) { Tick(e, kind, target, basis - (crash ? delta : -delta)); Tick(e, kind, target, basis); }
            long budgetNs = quick ? 200_000_000 : 1_500_000_000;
            int maxIter = crash ? (n >= 100_000 ? 12 : 60) : 20_000;
            var d = new Dist();
            var pops = new List<long>();
            var gc = GcCounts.Now();
            long start = Clock.Now();
            for (int it = 0; it < maxIter && (it < 15 || Clock.Ns(Clock.Now() - start) < budgetNs); it++)
            {
                long p0 = e.Counters.TriggerPops;
                long price = crash ? basis - delta : (it % 2 == 0 ? basis + delta : basis);
                long t0 = Clock.Now();
                Tick(e, kind, target, price);
                d.AddTicks(Clock.Now() - t0);
                pops.Add(trigger == TriggerMode.Index ? e.Counters.TriggerPops - p0 : kind == InputKind.Mark ? e.HolderCount(target) : n);
                if (crash) Tick(e, kind, target, basis); // restore, not measured
            }
            var g = GcCounts.Now().Since(gc);
            pops.Sort();
            long reevaluated = pops[pops.Count / 2];
            Line($"{{\"bench\":\"{bench}\",\"trigger\":\"{TriggerModes.Name(trigger)}\",\"holders\":{n},\"move\":\"{move}\",\"median_ns\":{Num(d.Median)},\"p99_ns\":{Num(d.P99)},\"reevaluated_median\":{reevaluated},\"gc\":[{g.G0},{g.G1},{g.G2}]}}");
            if (crash && reevaluated > 0) Note($"  crash {TriggerModes.Name(trigger)} {n:N0}: {d.Median / reevaluated:F0} ns per re-evaluated part ({reevaluated:N0} parts, {e.Events.Count:N0} events on the last restore)");
        }
        Verify(e);
    }

    private static void Tick(RiskEngine e, InputKind kind, int target, long price) =>
        Must(e, kind == InputKind.Mark ? Workload.Mark(target, price) : new RiskInput { Kind = InputKind.Index, Asset = target, Price = price });

    private static void Tick(RiskEngine e, long price) => Must(e, Workload.Mark(Btc, price));

    // ---------------------------------------------------------------- order check

    private static void OrderChecks(int n, bool quick)
    {
        var e = Population(n, TriggerMode.Index);
        const int Batch = 64, Ahead1 = 16, Ahead2 = 8;
        int count = 1 << 16;
        var inputs = new RiskInput[count + Ahead1];
        for (int k = 0, draw = 0; k < inputs.Length; draw++)
        {
            int i = (int)(U(draw, 3) * n);
            long id = Workload.AccountId(i);
            long q = e.PositionLots(id, Btc);
            // 9 BTC more on the same side: a full margin check; kept only where it ends in insufficient_margin,
            // so replaying the inputs never changes the state (an accepted probe is cancelled again).
            var order = Workload.Order(id, 1_000_000 + draw, Btc, q > 0 ? Side.Buy : Side.Sell, 9_000, Mark);
            Must(e, order);
            var ev = e.Events.Span[0];
            if (ev.Kind == EventKind.Accepted) { Must(e, Workload.Cancel(id, order.OrderId)); continue; }
            if (ev.Reason == RejectReason.InsufficientMargin) inputs[k++] = order;
        }
        long budgetNs = quick ? 200_000_000 : 1_500_000_000;

        // Single: one input at a time, each timed, no look-ahead (what a lone order costs).
        var single = new Dist();
        var gc = GcCounts.Now();
        for (int pass = 0; pass < 2; pass++)
        {
            long start = Clock.Now();
            for (int k = 0; k < count && Clock.Ns(Clock.Now() - start) < budgetNs; k++)
            {
                long t0 = Clock.Now();
                e.Process(inputs[k]);
                long t1 = Clock.Now();
                if (pass == 1) single.AddTicks(t1 - t0);
            }
        }
        Line($"{{\"bench\":\"order_check\",\"accounts\":{n},\"batched\":false,\"median_ns\":{Num(single.Median)},\"p99_ns\":{Num(single.P99)}}}");

        // Batched: the ring batch a risk processor holds, with the two-stage look-ahead prefetch.
        var batched = new Dist();
        var plain = new Dist();
        for (int pass = 0; pass < 2; pass++)
        {
            long start = Clock.Now();
            for (int b = 0; b + Batch <= count && Clock.Ns(Clock.Now() - start) < budgetNs; b += Batch)
            {
                long t0 = Clock.Now();
                for (int k = b; k < b + Batch; k++)
                {
                    e.PrefetchLookup(inputs[k + Ahead1]);
                    e.Prefetch(inputs[k + Ahead2]);
                    e.Process(inputs[k]);
                }
                long t1 = Clock.Now();
                if (pass == 1) batched.AddTicks(t1 - t0, Batch);
            }
            start = Clock.Now();
            for (int b = 0; b + Batch <= count && Clock.Ns(Clock.Now() - start) < budgetNs; b += Batch)
            {
                long t0 = Clock.Now();
                for (int k = b; k < b + Batch; k++) e.Process(inputs[k]);
                long t1 = Clock.Now();
                if (pass == 1) plain.AddTicks(t1 - t0, Batch);
            }
        }
        var g = GcCounts.Now().Since(gc);
        Line($"{{\"bench\":\"order_check\",\"accounts\":{n},\"batched\":true,\"median_ns\":{Num(batched.Median)},\"p99_ns\":{Num(batched.P99)}}}");
        Note($"  order_check {n:N0}: batched without look-ahead median {plain.Median:F0} ns (same run), with look-ahead {batched.Median:F0} ns; gc {g}; {HugePagesNote()}");
        Verify(e);
    }

    // ---------------------------------------------------------------- memory

    private static void Memory(int accounts)
    {
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = new RiskEngine(new Capacities { Accounts = accounts, Instruments = 8, Assets = 1, OrdersPerAccount = 8 });
        if (!e.DefineSettlementAsset("USD", out var err)) throw new InvalidOperationException(err);
        for (int k = 0; k < 8; k++)
            if (!e.TryDefineInstrument(Workload.Perp($"P{k}-PERP", "50000"), out err)) throw new InvalidOperationException(err);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(e);
        Line($"{{\"bench\":\"memory\",\"accounts\":{accounts},\"instruments\":8,\"bytes\":{bytes}}}");
        long stated = Footprint.BytesPerAccount(8, 1, 8, TriggerMode.Index) * accounts + Footprint.BucketBytes(accounts, 8, TriggerMode.Index);
        Note($"  memory: {bytes / (double)accounts:F0} B/account measured, {stated / (double)accounts:F0} stated (per account plus the band buckets; 8 open orders per account, index mode)");
        e = null;
        GC.Collect();
    }

    /// <summary>Which parts a one-tick move re-evaluates, and why (their band and figures): stderr.</summary>
    private static int ExplainQuiet(int n)
    {
        var e = Population(n, TriggerMode.Index);
        Tick(e, Mark + 1); Tick(e, Mark);
        int shown = 0, narrow = 0;
        for (int i = 0; i < n; i++)
        {
            long id = Workload.AccountId(i);
            if (e.BandOf(id, Btc) is not { } band || (band.Lo < Mark && band.Hi > Mark)) continue; // a one-tick move either way leaves it
            narrow++;
            var f = e.Figures(id);
            if (shown++ < 20) Note($"account {id}: band [{band.Lo}, {band.Hi}] {e.CrossHealth(id)} E {f.Equity} IM {f.Im} MM {f.Mm} q {e.PositionLots(id, Btc)} leverage {Leverage(i):F2}");
        }
        Note($"{narrow} of {n} parts have a band within one tick of the mark");
        return 0;
    }

    // ---------------------------------------------------------------- helpers

    private static void Verify(RiskEngine e)
    {
        var err = e.VerifyCaches();
        if (err != null) throw new InvalidOperationException("VerifyCaches: " + err);
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Num(double ns) => ns.ToString("F0", CultureInfo.InvariantCulture);
    private static void Line(string json) { Console.Out.WriteLine(json); Console.Out.Flush(); }
    private static void Note(string text) => Console.Error.WriteLine(text);

    /// <summary>Transparent huge pages backing this process (Linux), to tell a TLB-bound run from a cache-bound one.</summary>
    private static string HugePagesNote()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/smaps_rollup"))
                if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal)) return "huge pages " + line["AnonHugePages:".Length..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return "huge pages ?";
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; } catch (IOException) { return "?"; }
    }
}
