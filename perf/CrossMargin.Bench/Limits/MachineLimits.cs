using System.Diagnostics;
using System.Runtime.CompilerServices;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;

namespace CrossMargin.Bench.Limits;

/// <summary>
/// The machine's own limits over the holder data sizes, as yardsticks for the mark tick:
/// a STREAM-style triad (a = b + s·c, pure bandwidth) and the plain gather-multiply-add-scatter
/// loop every tick must at least do (per holder: load q and basis, uPnL = q·mark − basis, add the
/// delta into the holder's account sum through an index, keep the new uPnL).
/// </summary>
public static class MachineLimits
{
    /// <summary>Holder counts measured; <see cref="Options.HeadlineHolders"/> feeds the summary keys.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "limits" };
        foreach (int n in o.HolderCounts)
        {
            var g0 = GcCounts.Now();
            double triad = MedianNsPerElement(n, o.Quick ? 200 : 2_000, Triad);
            double gather = MedianNsPerElement(n, o.Quick ? 200 : 2_000, Gather);
            f.AddGc(GcCounts.Now().Since(g0));
            f.Figures[$"triad_per_holder_ns_{n}"] = triad;
            f.Figures[$"gather_limit_per_holder_ns_{n}"] = gather;
            // Triad moves 3 arrays of 8-byte elements (2 reads, 1 write).
            f.Figures[$"triad_gb_s_{n}"] = 24.0 / triad;
            Console.WriteLine($"limits {n,7:N0} holders: triad {triad:F2} ns/element ({24.0 / triad:F1} GB/s), gather-multiply-add-scatter {gather:F2} ns/holder");
            if (n == o.HeadlineHolders)
            {
                f.Figures["triad_per_holder_ns"] = triad;
                f.Figures["gather_limit_per_holder_ns"] = gather;
            }
        }
        f.Notes.Add("triad: a[i] = b[i] + 3·c[i] over long arrays of the holder count; gather: per holder uPnL = q·mark − basis, sum[account[i]] += uPnL − old[i] (index array in holder order, as the engine's position table is)");
        return f;
    }

    private delegate void Kernel(State s, long mark);

    private sealed class State
    {
        public readonly long[] A, B, C, Qty, Basis, Old, Sum;
        public readonly int[] Account;

        public State(int n)
        {
            A = new long[n]; B = new long[n]; C = new long[n];
            Qty = new long[n]; Basis = new long[n]; Old = new long[n]; Sum = new long[n]; Account = new int[n];
            for (int i = 0; i < n; i++)
            {
                B[i] = i; C[i] = 2 * i;
                Qty[i] = (i & 1) == 0 ? 50 + i % 251 : -(50 + i % 251);
                Basis[i] = Qty[i] * 500_000 * 100;
                Account[i] = i;
            }
        }
    }

    private static double MedianNsPerElement(int n, int reps, Kernel kernel)
    {
        var s = new State(n);
        Warm.For(0.3, () => kernel(s, 50_000_001));
        var t = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            kernel(s, 50_000_000 + (r & 1));
            t[r] = Clock.ToNs(Stopwatch.GetTimestamp() - t0) / (double)n;
        }
        Array.Sort(t);
        return t[reps / 2];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Triad(State s, long mark)
    {
        long[] a = s.A, b = s.B, c = s.C;
        for (int i = 0; i < a.Length; i++) a[i] = b[i] + 3 * c[i];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Gather(State s, long mark)
    {
        long[] q = s.Qty, basis = s.Basis, old = s.Old, sum = s.Sum;
        int[] acct = s.Account;
        for (int i = 0; i < q.Length; i++)
        {
            long u = q[i] * mark - basis[i];
            sum[acct[i]] += u - old[i];
            old[i] = u;
        }
    }
}
