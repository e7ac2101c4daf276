using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Core.Benchmarks;

/// <summary>
/// Stopwatch + HdrHistogram harness: medians (and p99) of per-input costs, SIMD vs scalar ratios
/// measured in the same run, bytes allocated per input after warm-up, GC counts of the measured parts.
/// </summary>
public static class Harness
{
    private const int Batch = 256;          // inputs per timed batch (order/cancel/fill)
    private static readonly int[] HolderCounts = [1_000, 10_000, 100_000];
    private static readonly int[] LiquidationKs = [0, 1, 100, 10_000];
    private const int LiquidationPopulation = 20_000;

    private static bool _quick;
    private static GcCounts _gcTotal;
    private static readonly TextWriter Out = Console.Out;

    public static int Run(string[] args)
    {
        _quick = args.Contains("--quick");
        var started = Clock.Now();
        PrintEnvironment();

        var orderTable = new Table("input (rotating accounts)", "holders", "median/input", "p99 (batch mean)", "single p50", "single p99", "GC 0/1/2");
        var markTable = new Table("mark tick, BTC holders", "kernel", "median", "p99", "per holder", "scalar/this", "GC 0/1/2");
        var kernelTable = new Table("raw kernel, slots", "kernel", "median", "p99", "per slot", "scalar/this", "GC 0/1/2");
        var allocTable = new Table("input (after warm-up)", "inputs", "bytes/input");
        var workloads10k = default(Workload);

        foreach (int n in HolderCounts)
        {
            var setup = Clock.Now();
            var w = Workload.Population(n);
            Out.WriteLine($"# population {n:N0} accounts built in {Fmt.Time(Clock.Ns(Clock.Now() - setup))}");
            OrderAndFill(w, n, orderTable);
            Mark(w, n, markTable);
            Check(w.Engine);
            if (n == 10_000) workloads10k = w;
        }
        orderTable.Print(Out);
        markTable.Print(Out);

        foreach (int n in HolderCounts) Kernel(n, kernelTable);
        kernelTable.Print(Out);

        var liqTable = new Table("liquidating k", "BTC holders", "events", "liq tick median", "p90", "p99", "max", "reps", "recovery median", "recovery p99", "GC 0/1/2");
        Workload? liq100 = null;
        foreach (int k in LiquidationKs)
        {
            var w = Workload.Liquidation(k, LiquidationPopulation);
            Liquidation(w, k, liqTable);
            Check(w.Engine);
            if (k == 100) liq100 = w;
        }
        liqTable.Print(Out);

        Allocations(workloads10k!, liq100!, allocTable);
        allocTable.Print(Out);

        Out.WriteLine($"load average at end: {LoadAverage()}");
        Out.WriteLine($"GC collections during all measured regions (gen0/gen1/gen2): {_gcTotal}");
        Out.WriteLine($"total harness time {Fmt.Time(Clock.Ns(Clock.Now() - started))}");
        return 0;
    }

    private static void PrintEnvironment()
    {
        Out.WriteLine($"# CrossMargin.Core harness — {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} logical CPUs");
        Out.WriteLine($"# GC: server={System.Runtime.GCSettings.IsServerGC}, latency={System.Runtime.GCSettings.LatencyMode}; Stopwatch {System.Diagnostics.Stopwatch.Frequency:N0} Hz, timer pair overhead p50 {Fmt.Time(Clock.TimerOverheadNs())}");
        Out.WriteLine($"# Vector128/256/512 accelerated: {Vector128.IsHardwareAccelerated}/{Vector256.IsHardwareAccelerated}/{Vector512.IsHardwareAccelerated}; KernelMode.Auto resolves to {KernelSelection.Resolve(KernelMode.Auto)}");
        Out.WriteLine($"# load average at start: {LoadAverage()} (shared machine: other processes compete for the 2 CPUs)");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var probe = Workload.NewEngine(100_000, KernelMode.Auto);
        long engineBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(probe);
        Out.WriteLine($"# an empty engine sized for 100,000 accounts × 4 instruments allocates {engineBytes / 1e6:F1} MB, of which the event buffer "
            + $"{(long)Math.Max(1024, 8 * 100_001) * Unsafe.SizeOf<RiskEvent>() / 1e6:F1} MB ({Unsafe.SizeOf<RiskEvent>()} B × 8 per account)");
        Out.WriteLine("# order/cancel/fill: batches of 256 inputs to distinct accounts in a fixed random order; median/p99 of the batch mean per input.");
        Out.WriteLine("# 'single' = one input between two timestamps (includes the timer pair overhead above).");
        Out.WriteLine();
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    private static void Check(RiskEngine e)
    {
        var err = e.VerifyCaches();
        if (err != null) throw new InvalidOperationException("VerifyCaches: " + err);
    }

    // ---------------------------------------------------------------- order check, cancel, fill

    private static void OrderAndFill(Workload w, int n, Table table)
    {
        var e = w.Engine;
        var rot = w.Rotation;
        var sides = new Side[rot.Length];
        for (int i = 0; i < rot.Length; i++) sides[i] = e.PositionLots(rot[i], Workload.Btc) > 0 ? Side.Buy : Side.Sell; // increasing: full margin check
        var orders = new RiskInput[Batch];
        var cancels = new RiskInput[Batch];
        var rejects = new RiskInput[Batch];
        var warmRejects = new RiskInput[Batch];
        var buys = new RiskInput[Batch];
        var sells = new RiskInput[Batch];
        // Three streams a third of the rotation apart: the order (+ its cancel), the cold reject and
        // the fill each go to an account no other input touched recently (cache-cold at 100k
        // accounts); the cancel and the 'warm' reject hit the order's account just after it.
        int cursor = 0, third = rot.Length / 3;
        long orderId = 1;

        void Next()
        {
            for (int i = 0; i < Batch; i++, cursor++)
            {
                int r = cursor % rot.Length, rr = (cursor + third) % rot.Length, rf = (cursor + 2 * third) % rot.Length;
                long acct = rot[r];
                Side s = sides[r], sf = sides[rf], o = sf == Side.Buy ? Side.Sell : Side.Buy;
                orders[i] = Workload.Order(acct, orderId, Workload.Btc, s, Workload.AcceptedOrderLots, Workload.BtcMark);
                cancels[i] = Workload.Cancel(acct, orderId);
                warmRejects[i] = Workload.Order(acct, orderId, Workload.Btc, s, Workload.RejectedOrderLots, Workload.BtcMark);
                rejects[i] = Workload.Order(rot[rr], orderId, Workload.Btc, sides[rr], Workload.RejectedOrderLots, Workload.BtcMark);
                buys[i] = Workload.Fill(rot[rf], Workload.Btc, sf, 1, Workload.BtcMark, fee: 100);
                sells[i] = Workload.Fill(rot[rf], Workload.Btc, o, 1, Workload.BtcMark, fee: 100);
                orderId++;
            }
        }

        // Verified warm-up: every input checked for the expected outcome.
        var warm = Clock.Now();
        while (Clock.Ns(Clock.Now() - warm) < (_quick ? 100e6 : 400e6))
        {
            Next();
            for (int i = 0; i < Batch; i++)
            {
                Workload.Apply(e, orders[i]);
                if (e.Events.Count < 1 || e.Events.Span[0].Kind != EventKind.Accepted) throw new InvalidOperationException("order not accepted");
                Workload.Apply(e, cancels[i]);
                if (e.OpenOrderCount(cancels[i].Account) != 0) throw new InvalidOperationException("cancel left an order");
                foreach (var x in (ReadOnlySpan<RiskInput>)[rejects[i], warmRejects[i]])
                {
                    Workload.Apply(e, x);
                    if (e.Events.Span[0].Kind != EventKind.Rejected || e.Events.Span[0].Reason != RejectReason.InsufficientMargin)
                        throw new InvalidOperationException($"order not rejected for insufficient margin: {e.Events.Span[0].Kind} {e.Events.Span[0].Reason}");
                }
                Workload.Apply(e, buys[i]);
                Workload.Apply(e, sells[i]);
                if (e.Events.Count != 0) throw new InvalidOperationException("fill changed health");
            }
        }

        int batches = _quick ? 200 : (n >= 100_000 ? 1_500 : 2_000);
        Dist order = new(), cancel = new(), reject = new(), warmReject = new(), fill = new();
        Dist sOrder = new(), sCancel = new(), sReject = new(), sWarmReject = new(), sFill = new();
        var gc = GcCounts.Now();
        for (int b = 0; b < batches; b++)
        {
            Next();
            long t0 = Clock.Now();
            RunBatch(e, orders);
            long t1 = Clock.Now();
            RunBatch(e, cancels);
            long t2 = Clock.Now();
            RunBatch(e, warmRejects);
            long t3 = Clock.Now();
            RunBatch(e, rejects);
            long t4 = Clock.Now();
            RunBatch(e, buys);
            long t5 = Clock.Now();
            RunBatch(e, sells);
            long t6 = Clock.Now();
            order.AddTicks(t1 - t0, Batch); cancel.AddTicks(t2 - t1, Batch); warmReject.AddTicks(t3 - t2, Batch);
            reject.AddTicks(t4 - t3, Batch); fill.AddTicks(t5 - t4, Batch); fill.AddTicks(t6 - t5, Batch);
        }
        // Single-shot samples: each input timed alone.
        for (int b = 0; b < batches / 4; b++)
        {
            Next();
            for (int i = 0; i < Batch; i++)
            {
                sOrder.AddTicks(TimeOne(e, orders[i]));
                sCancel.AddTicks(TimeOne(e, cancels[i]));
                sWarmReject.AddTicks(TimeOne(e, warmRejects[i]));
                sReject.AddTicks(TimeOne(e, rejects[i]));
                sFill.AddTicks(TimeOne(e, buys[i]));
                sFill.AddTicks(TimeOne(e, sells[i]));
            }
        }
        var gcUsed = GcCounts.Now().Since(gc);
        _gcTotal = _gcTotal.Plus(gcUsed);
        Row(table, "order accepted (check + book)", n, order, sOrder, gcUsed);
        Row(table, "order rejected insufficient_margin", n, reject, sReject, gcUsed);
        Row(table, "fill (1 lot, alternating buy/sell)", n, fill, sFill, gcUsed);
        Row(table, "warm: cancel of that order", n, cancel, sCancel, gcUsed);
        Row(table, "warm: reject on that account", n, warmReject, sWarmReject, gcUsed);
        for (int i = 0; i < rot.Length; i += 97)
            if (e.OpenOrderCount(rot[i]) != 0) throw new InvalidOperationException("orders leaked");
    }

    private static void Row(Table t, string name, int n, Dist batch, Dist single, GcCounts gc) =>
        t.Add(name, n.ToString("N0"), Fmt.Time(batch.Median), Fmt.Time(batch.P99), Fmt.Time(single.Median), Fmt.Time(single.P99), gc.ToString());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunBatch(RiskEngine e, RiskInput[] inputs)
    {
        for (int i = 0; i < inputs.Length; i++) e.Process(in inputs[i]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long TimeOne(RiskEngine e, in RiskInput input)
    {
        long t0 = Clock.Now();
        e.Process(in input);
        return Clock.Now() - t0;
    }

    // ---------------------------------------------------------------- mark tick

    private static KernelMode[] Modes()
    {
        var modes = new List<KernelMode> { KernelMode.Scalar };
        if (Vector128.IsHardwareAccelerated) modes.Add(KernelMode.Vector128);
        if (Vector256.IsHardwareAccelerated) modes.Add(KernelMode.Vector256);
        if (Vector512.IsHardwareAccelerated) modes.Add(KernelMode.Vector512);
        return [.. modes];
    }

    private static string ModeName(KernelMode m) =>
        KernelSelection.Resolve(KernelMode.Auto) == m ? $"{m} (=Auto)" : m.ToString();

    private static void Mark(Workload w, int n, Table table)
    {
        var e = w.Engine;
        var modes = Modes();
        var up = Workload.Mark(Workload.Btc, Workload.BtcMark + 10);
        var down = Workload.Mark(Workload.Btc, Workload.BtcMark);
        int reps = _quick ? 50 : Math.Max(300, 3_000_000 / n);
        var dists = modes.Select(_ => new Dist()).ToArray();

        // Warm-up every mode (verified: a one-tick move never changes health here).
        var warm = Clock.Now();
        while (Clock.Ns(Clock.Now() - warm) < (_quick ? 100e6 : 300e6))
            foreach (var m in modes)
            {
                e.Kernel = m;
                Workload.Apply(e, up); if (e.Events.Count != 0) throw new InvalidOperationException("mark changed health");
                Workload.Apply(e, down); if (e.Events.Count != 0) throw new InvalidOperationException("mark changed health");
            }

        var gc = GcCounts.Now();
        for (int r = 0; r < reps; r++)
            for (int k = 0; k < modes.Length; k++) // interleaved, so drift on a noisy machine hits every mode alike
            {
                e.Kernel = modes[k];
                dists[k].AddTicks(TimeOne(e, up));
                dists[k].AddTicks(TimeOne(e, down));
            }
        var gcUsed = GcCounts.Now().Since(gc);
        _gcTotal = _gcTotal.Plus(gcUsed);
        e.Kernel = KernelMode.Auto;
        if (e.Events.Count != 0) throw new InvalidOperationException("mark changed health");
        double scalar = dists[0].Median;
        for (int k = 0; k < modes.Length; k++)
            table.Add(n.ToString("N0"), ModeName(modes[k]), Fmt.Time(dists[k].Median), Fmt.Time(dists[k].P99),
                Fmt.Time(dists[k].Median / n), Fmt.Ratio(scalar / dists[k].Median), gcUsed.ToString());
    }

    // ---------------------------------------------------------------- raw kernel

    private static void Kernel(int n, Table table)
    {
        var slots = new KernelSlots(n);
        var modes = Modes();
        long tvA = slots.MarkTv(Workload.BtcMark), tvB = slots.MarkTv(Workload.BtcMark + 10);
        // The SIMD paths must be bit-identical to the scalar twin.
        long? reference = null;
        foreach (var m in modes)
        {
            slots.Revalue(m, tvB); slots.Revalue(m, tvA);
            long c = slots.Checksum();
            if (reference is { } r && r != c) throw new InvalidOperationException($"kernel {m} differs from scalar");
            reference = c;
        }
        int reps = _quick ? 50 : Math.Max(500, 10_000_000 / n);
        var dists = modes.Select(_ => new Dist()).ToArray();
        var warm = Clock.Now();
        while (Clock.Ns(Clock.Now() - warm) < (_quick ? 50e6 : 200e6))
            foreach (var m in modes) { slots.Revalue(m, tvB); slots.Revalue(m, tvA); }
        var gc = GcCounts.Now();
        for (int r = 0; r < reps; r++)
            for (int k = 0; k < modes.Length; k++)
            {
                long t0 = Clock.Now();
                slots.Revalue(modes[k], (r & 1) == 0 ? tvB : tvA);
                dists[k].AddTicks(Clock.Now() - t0);
            }
        var gcUsed = GcCounts.Now().Since(gc);
        _gcTotal = _gcTotal.Plus(gcUsed);
        double scalar = dists[0].Median;
        for (int k = 0; k < modes.Length; k++)
            table.Add(n.ToString("N0"), ModeName(modes[k]), Fmt.Time(dists[k].Median), Fmt.Time(dists[k].P99),
                Fmt.Time(dists[k].Median / n), Fmt.Ratio(scalar / dists[k].Median), gcUsed.ToString());
    }

    // ---------------------------------------------------------------- liquidation tick

    private static void Liquidation(Workload w, int k, Table table)
    {
        var e = w.Engine;
        var down = Workload.Mark(Workload.Btc, Workload.LiquidationMark);
        var up = Workload.Mark(Workload.Btc, Workload.BtcMark);
        for (int i = 0; i < (_quick ? 3 : 10); i++)
        {
            Workload.Apply(e, down); Workload.AssertLiquidated(e, k);
            Workload.Apply(e, up); Workload.AssertRecovered(e, k);
        }
        int reps = _quick ? 30 : (k >= 10_000 ? 200 : 1_000);
        Dist liq = new(), rec = new();
        int events = 0;
        var gc = GcCounts.Now();
        for (int r = 0; r < reps; r++)
        {
            liq.AddTicks(TimeOne(e, down));
            Workload.AssertLiquidated(e, k);
            events = e.Events.Count;
            rec.AddTicks(TimeOne(e, up));
            Workload.AssertRecovered(e, k);
        }
        var gcUsed = GcCounts.Now().Since(gc);
        _gcTotal = _gcTotal.Plus(gcUsed);
        for (int i = 0; i < w.Leveraged.Length; i += Math.Max(1, w.Leveraged.Length / 16))
            if (e.OpenLiquidationOrders(w.Leveraged[i]) != 0 || e.CrossHealth(w.Leveraged[i]) != HealthState.Healthy)
                throw new InvalidOperationException("recovery left liquidation state behind");
        table.Add(k.ToString("N0"), LiquidationPopulation.ToString("N0"), $"{events}", Fmt.Time(liq.Median), Fmt.Time(liq.P(90)), Fmt.Time(liq.P99), Fmt.Time(liq.P(100)), $"{reps}",
            Fmt.Time(rec.Median), Fmt.Time(rec.P99), gcUsed.ToString());
    }

    // ---------------------------------------------------------------- allocations

    private static void Allocations(Workload pop, Workload liq, Table table)
    {
        var e = pop.Engine;
        var rot = pop.Rotation;
        const int M = 20_000;
        var orders = new RiskInput[M]; var cancels = new RiskInput[M]; var rejects = new RiskInput[M];
        var buys = new RiskInput[M]; var sells = new RiskInput[M]; var deposits = new RiskInput[M]; var withdraws = new RiskInput[M];
        for (int i = 0; i < M; i++)
        {
            long acct = rot[i % rot.Length];
            Side s = e.PositionLots(acct, Workload.Btc) > 0 ? Side.Buy : Side.Sell, o = s == Side.Buy ? Side.Sell : Side.Buy;
            long id = 1_000_000_000 + i;
            orders[i] = Workload.Order(acct, id, Workload.Btc, s, Workload.AcceptedOrderLots, Workload.BtcMark);
            cancels[i] = Workload.Cancel(acct, id);
            rejects[i] = Workload.Order(acct, id, Workload.Btc, s, Workload.RejectedOrderLots, Workload.BtcMark);
            buys[i] = Workload.Fill(acct, Workload.Btc, s, 1, Workload.BtcMark, fee: 100);
            sells[i] = Workload.Fill(acct, Workload.Btc, o, 1, Workload.BtcMark, fee: 100);
            deposits[i] = Workload.Deposit(acct, 1_000);
            withdraws[i] = new RiskInput { Kind = InputKind.Withdraw, Account = acct, Asset = 0, Amount = 1_000 };
        }
        var marks = new RiskInput[200];
        var funding = new RiskInput[200];
        for (int i = 0; i < marks.Length; i++)
        {
            marks[i] = Workload.Mark(Workload.Btc, Workload.BtcMark + ((i & 1) == 0 ? 10 : 0));
            funding[i] = Workload.Funding(Workload.Btc, (i & 1) == 0 ? 100 : -100);
        }
        var liqDown = new RiskInput[50];
        var liqUp = new RiskInput[50];
        Array.Fill(liqDown, Workload.Mark(Workload.Btc, Workload.LiquidationMark));
        Array.Fill(liqUp, Workload.Mark(Workload.Btc, Workload.BtcMark));

        var gc = GcCounts.Now();
        // Interleaved pairs keep the state bounded; order and cancel are measured separately.
        Measure(table, "order accepted", e, orders, cancels, Counted.A);
        Measure(table, "cancel", e, orders, cancels, Counted.B);
        Measure(table, "order rejected insufficient_margin", e, rejects);
        Measure(table, "fill buy+sell (per fill)", e, buys, sells, Counted.Both);
        Measure(table, "deposit", e, deposits);
        Measure(table, "withdraw (accepted)", e, withdraws);
        e.Kernel = KernelMode.Scalar;
        Measure(table, $"mark, {e.HolderCount(Workload.Btc):N0} holders, Scalar", e, marks);
        e.Kernel = KernelMode.Auto;
        Measure(table, $"mark, {e.HolderCount(Workload.Btc):N0} holders, Auto", e, marks);
        Measure(table, $"funding, {e.HolderCount(Workload.Btc):N0} holders", e, funding);
        Measure(table, "liquidating tick, k=100 of 20,000 holders", liq.Engine, liqDown, liqUp, Counted.A);
        Measure(table, "recovery tick, k=100 of 20,000 holders", liq.Engine, liqDown, liqUp, Counted.B);
        var gcUsed = GcCounts.Now().Since(gc);
        _gcTotal = _gcTotal.Plus(gcUsed);
        Out.WriteLine($"# allocation probe GCs (gen0/gen1/gen2): {gcUsed}");
    }

    private enum Counted { A, B, Both }

    /// <summary>
    /// Runs the inputs (or interleaved pairs a[i], b[i], which keep the state bounded) twice as
    /// warm-up, then once more summing the bytes this thread allocated around each counted input.
    /// </summary>
    private static void Measure(Table table, string name, RiskEngine e, RiskInput[] a, RiskInput[]? b = null, Counted which = Counted.A)
    {
        for (int pass = 0; pass < 2; pass++) RunPairs(e, a, b);
        long bytes = 0, count = 0;
        for (int i = 0; i < a.Length; i++)
        {
            long x0 = GC.GetAllocatedBytesForCurrentThread();
            Workload.Apply(e, a[i]);
            long x1 = GC.GetAllocatedBytesForCurrentThread();
            if (b != null) Workload.Apply(e, b[i]);
            long x2 = GC.GetAllocatedBytesForCurrentThread();
            if (which != Counted.B) { bytes += x1 - x0; count++; }
            if (b != null && which != Counted.A) { bytes += x2 - x1; count++; }
        }
        table.Add(name, count.ToString("N0"), $"{(double)bytes / count:F2}");
    }

    private static void RunPairs(RiskEngine e, RiskInput[] a, RiskInput[]? b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            Workload.Apply(e, a[i]);
            if (b != null) Workload.Apply(e, b[i]);
        }
    }
}
