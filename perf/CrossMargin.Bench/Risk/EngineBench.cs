using CrossMargin.Core.Trigger;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;
using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// The engine on this thread, no rings: the order check (single-shot timing of an accepted,
/// margin-increasing order; its cancel untimed) and the mark tick per holder with the SIMD kernels
/// (<see cref="KernelMode.Auto"/>), their scalar twin and the naive object-per-position baseline,
/// interleaved so drift on a shared machine hits all three alike. Writes fragment "engine".
/// </summary>
public static class EngineBench
{
    /// <summary>Runs the measurements.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "engine" };
        f.Figures["engine_order_check_floor_ns"] = TimerPairNs();
        OrderCheck(f, o);
        foreach (int n in o.HolderCounts) Tick(f, o, n);
        f.Notes.Add($"kernel Auto resolves to {KernelSelection.Resolve(KernelMode.Auto)}; simd_vs_scalar and simd_vs_naive are whole mark ticks through RiskEngine.Process in trigger mode scan (kernel + scatter into account sums + health for every holder), not the kernel alone; the default index mode touches only parts whose safe band a tick left (perf/CrossMargin.Core.Benchmarks -- scale)");
        f.Notes.Add("order check: one accepted margin-increasing order timed alone (two Stopwatch reads, their cost is engine_order_check_floor_ns), Zipf-chosen account of 10,000 holders, then its cancel (untimed)");
        return f;
    }

    private static void OrderCheck(Fragment f, Options o)
    {
        var pop = Population.Build(Market.Accounts, withNaive: false, trigger: TriggerMode.Index);
        var e = pop.Engine;
        var market = new Market(12345);
        int samples = o.Quick ? 200_000 : 1_000_000;
        var lat = new LatencySamples(samples);
        var accounts = new long[4096];
        var sides = new Side[accounts.Length];
        for (int i = 0; i < accounts.Length; i++)
        {
            accounts[i] = market.ZipfAccount();
            sides[i] = e.PositionLots(accounts[i], 0) >= 0 ? Side.Buy : Side.Sell; // increases the position: the full IM check
        }
        long mark = e.GetInstrument(0).MarkTicks;
        long id = 1;
        // Warm-up (verified: every order accepted, every cancel applied), then measured.
        int next = 0;
        void One(bool record)
        {
            int k = next++ & (accounts.Length - 1);
            var order = new RiskInput { Kind = InputKind.Order, Account = accounts[k], OrderId = id, Instrument = 0, Side = sides[k], Qty = 10, Price = mark };
            long ns = TimeOne(e, in order);
            if (e.Events.Count == 0 || e.Events.Span[0].Kind != EventKind.Accepted) throw new InvalidOperationException("order not accepted");
            if (record) lat.Record(ns);
            var cancel = new RiskInput { Kind = InputKind.Cancel, Account = accounts[k], OrderId = id++ };
            if (e.Process(in cancel) != ProcessStatus.Applied) throw new InvalidOperationException("cancel failed");
        }
        Warm.For(Warm.Seconds(o.Quick), () => { for (int w = 0; w < 1000; w++) One(false); });
        var g0 = GcCounts.Now();
        for (int n = 0; n < samples; n++) One(true);
        f.AddGc(GcCounts.Now().Since(g0));
        var row = f.AddLatency("order_check/accepted order, in process", lat);
        f.Figures["order_check_p50_ns"] = row.P50;
        f.Figures["order_check_p99_ns"] = row.P99;
        Console.WriteLine($"order check p50 {row.P50:N0} p99 {row.P99:N0} p99.9 {row.P999:N0} ns (timer pair {f.Figures["engine_order_check_floor_ns"]:N0} ns included)");
    }

    private static void Tick(Fragment f, Options o, int n)
    {
        var pop = Population.Build(n);
        var e = pop.Engine;
        long mark = e.GetInstrument(0).MarkTicks;
        string btc = e.GetInstrument(0).Id;
        int reps = o.Quick ? Math.Max(30, 300_000 / n) : Math.Max(100, 3_000_000 / n);
        int naiveReps = Math.Max(10, reps / 10);
        var simd = new double[reps];
        var scalar = new double[reps];
        var naive = new double[naiveReps];
        Warm.For(Warm.Seconds(o.Quick), () => { MarkTick(e, KernelMode.Auto, mark + 1); MarkTick(e, KernelMode.Scalar, mark); });
        Warm.For(Warm.Seconds(o.Quick) / 2, () => { pop.Naive.Mark(btc, mark + 1); pop.Naive.Mark(btc, mark); });
        var g0 = GcCounts.Now();
        for (int r = 0; r < reps; r++)
        {
            // Every tick moves the mark (an unchanged mark would leave every delta 0 and skip the
            // scatter), and the two modes take turns going first.
            if ((r & 1) == 0)
            {
                simd[r] = MarkTick(e, KernelMode.Auto, mark + 1);
                scalar[r] = MarkTick(e, KernelMode.Scalar, mark);
            }
            else
            {
                scalar[r] = MarkTick(e, KernelMode.Scalar, mark + 1);
                simd[r] = MarkTick(e, KernelMode.Auto, mark);
            }
        }
        f.AddGc(GcCounts.Now().Since(g0));
        // The naive baseline allocates by design (LINQ, boxing-free but list copies): outside the GC count.
        for (int r = 0; r < naiveReps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            pop.Naive.Mark(btc, mark + (r & 1));
            naive[r] = Clock.ToNs(Stopwatch.GetTimestamp() - t0);
        }
        e.Kernel = KernelMode.Auto;
        double ms = Median(simd), msc = Median(scalar), mn = Median(naive);
        f.Figures[$"tick_per_holder_ns_{n}"] = ms / n;
        f.Figures[$"scalar_tick_per_holder_ns_{n}"] = msc / n;
        f.Figures[$"naive_tick_per_holder_ns_{n}"] = mn / n;
        f.Figures[$"simd_vs_scalar_{n}"] = msc / ms;
        f.Figures[$"simd_vs_naive_{n}"] = mn / ms;
        Console.WriteLine($"mark tick {n,7:N0} holders: SIMD {ms / 1000:F1} µs ({ms / n:F2} ns/holder), scalar {msc / 1000:F1} µs ({msc / ms:F2}×), naive {mn / 1000:F1} µs ({mn / ms:F1}×)");
        if (n == o.HeadlineHolders)
        {
            f.Figures["tick_per_holder_ns"] = ms / n;
            f.Figures["scalar_tick_per_holder_ns"] = msc / n;
            f.Figures["naive_tick_per_holder_ns"] = mn / n;
            f.Figures["simd_vs_scalar"] = msc / ms;
            f.Figures["simd_vs_naive"] = mn / ms;
        }
    }

    private static double MarkTick(RiskEngine e, KernelMode mode, long price)
    {
        e.Kernel = mode;
        var m = new RiskInput { Kind = InputKind.Mark, Instrument = 0, Price = price };
        long t0 = Stopwatch.GetTimestamp();
        var s = e.Process(in m);
        long t1 = Stopwatch.GetTimestamp();
        if (s != ProcessStatus.Applied || e.Events.Count != 0) throw new InvalidOperationException("a one-tick mark changed health");
        return Clock.ToNs(t1 - t0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long TimeOne(RiskEngine e, in RiskInput input)
    {
        long t0 = Stopwatch.GetTimestamp();
        e.Process(in input);
        return Clock.ToNs(Stopwatch.GetTimestamp() - t0);
    }

    private static double TimerPairNs()
    {
        var s = new LatencySamples(100_000);
        for (int i = 0; i < 100_000; i++)
        {
            long a = Stopwatch.GetTimestamp();
            s.Record(Clock.ToNs(Stopwatch.GetTimestamp() - a));
        }
        return s.Summarize().P50;
    }

    private static double Median(double[] v)
    {
        var c = (double[])v.Clone();
        Array.Sort(c);
        return c[c.Length / 2];
    }
}
