using System.Runtime.Intrinsics;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Numerics;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

/// <summary>Every SIMD kernel agrees with its scalar twin bit for bit.</summary>
public class KernelPropertyTests
{
    private static IEnumerable<KernelMode> Widths()
    {
        yield return KernelMode.Vector128;
        yield return KernelMode.Vector256;
        if (Vector512.IsHardwareAccelerated) yield return KernelMode.Vector512;
    }

    /// <summary>A random bracket table with the loader's invariants (increasing bounds, mmr ≤ imr, mmr non-decreasing).</summary>
    private static (long[] Max, long[] Imr, long[] Mmr, long[] Cum) RandomBrackets(Random rng)
    {
        int n = rng.Next(1, 5);
        var max = new long[n]; var imr = new long[n]; var mmr = new long[n]; var cum = new long[n];
        long bound = rng.NextInt64(1, 1L << 40), m = rng.Next(0, 20_000);
        Int128 exact = 0;
        for (int b = 0; b < n; b++)
        {
            if (b > 0)
            {
                long next = m + rng.Next(0, 50_000);
                exact += (Int128)max[b - 1] * (next - m);
                m = next;
            }
            max[b] = bound; mmr[b] = Math.Min(m, Money.Scale); imr[b] = Math.Min(Money.Scale, mmr[b] + rng.Next(0, 100_000));
            cum[b] = (long)Money.FloorDiv(exact, Money.Scale);
            bound += rng.NextInt64(1, 1L << 44);
        }
        return (max, imr, mmr, cum);
    }

    [Property(MaxTest = 300)]
    public bool Revaluation_kernel_equals_its_scalar_twin(int seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(0, 70);
        long tv = rng.Next(1, 1000), mark = rng.NextInt64(1, 10_000_000);
        long maxLots = Math.Max(1, (1L << 56) / (mark * tv) / 4);
        long RandomLots() => rng.Next(4) == 0 ? 0 : rng.NextInt64(-maxLots, maxLots);
        var (max, imr, mmr, cum) = RandomBrackets(rng);
        var q = new long[n]; var basis = new long[n]; var buy = new long[n]; var sell = new long[n];
        for (int j = 0; j < n; j++)
        {
            q[j] = RandomLots();
            basis[j] = q[j] * rng.NextInt64(1, 10_000_000) * tv;
            buy[j] = Math.Abs(RandomLots()); sell[j] = Math.Abs(RandomLots());
        }
        long[] Run(KernelMode mode)
        {
            var br = new BracketTable(max, imr, mmr, cum);
            long[] u = new long[n], im = new long[n], mm = new long[n], du = new long[n], dim = new long[n], dmm = new long[n];
            for (int j = 0; j < n; j++) { u[j] = j; im[j] = 2 * j; mm[j] = 3 * j; } // stale caches: deltas must be exact too
            MarginKernels.Revalue(mode, n, mark * tv, br, q, basis, buy, sell, u, im, mm, du, dim, dmm);
            return [.. u, .. im, .. mm, .. du, .. dim, .. dmm];
        }
        var scalar = Run(KernelMode.Scalar);
        foreach (var w in Widths())
            if (!scalar.AsSpan().SequenceEqual(Run(w))) return false;
        return true;
    }

    [Property(MaxTest = 300)]
    public bool Sum_kernel_equals_its_scalar_twin(long[] values)
    {
        long scalar = MarginKernels.SumScalar(values);
        foreach (var w in Widths())
            if (MarginKernels.Sum(w, values) != scalar) return false;
        return true;
    }

    [Property(MaxTest = 500)]
    public bool Vector_ceiling_of_rate_is_exact_at_the_notional_bound(int seed)
    {
        // Notionals near 2^56 stress the double estimate inside the SIMD ceiling.
        var rng = new Random(seed);
        long n = (1L << 56) - rng.NextInt64(0, 1L << 20);
        long[] limits = [1L << 62], imr = [rng.Next(0, 1_000_001)], mmr = [rng.Next(0, 1_000_001)], cum = [0];
        long[] Run(KernelMode mode)
        {
            var br = new BracketTable(limits, imr, mmr, cum);
            long[] qs = new long[8], bs = new long[8], z = new long[8];
            Array.Fill(qs, n);
            long[] u = new long[8], im = new long[8], mm = new long[8], du = new long[8], dim = new long[8], dmm = new long[8];
            MarginKernels.Revalue(mode, 8, 1, br, qs, bs, z, z, u, im, mm, du, dim, dmm);
            return [.. im, .. mm];
        }
        var scalar = Run(KernelMode.Scalar);
        foreach (var w in Widths())
            if (!scalar.AsSpan().SequenceEqual(Run(w))) return false;
        return true;
    }
}
