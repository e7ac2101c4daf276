using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;

namespace CrossMargin.Core.Kernels;

/// <summary>
/// Bracket table of one instrument as the kernels read it (struct-of-arrays, strictly
/// increasing <see cref="MaxNotional"/>; bracket 0 has cum 0).
/// </summary>
internal readonly ref struct BracketTable(ReadOnlySpan<long> maxNotional, ReadOnlySpan<long> imr, ReadOnlySpan<long> mmr, ReadOnlySpan<long> cum)
{
    public readonly ReadOnlySpan<long> MaxNotional = maxNotional, Imr = imr, Mmr = mmr, Cum = cum;
}

/// <summary>
/// Bulk revaluation of an instrument's holders at a new mark (risk-model §2–§3): for every slot,
/// uPnL = q·mark·tv − basis, MM = ceil(N·mmr_b) − cum_b, IM = ceil(N(W)·imr_b) with
/// W = max(|q+B|, |q−S|); writes the new values and the deltas against the old ones.
/// The SIMD paths and <see cref="RevalueScalar"/> give bit-identical results (exact integer math;
/// the double steps are only estimates that are corrected by one).
/// </summary>
internal static class MarginKernels
{
    private const long Million = Money.Scale;

    /// <summary>Runs the kernel in <paramref name="mode"/> (resolved against the CPU).</summary>
    public static void Revalue(KernelMode mode, int count, long markTv, in BracketTable brackets,
        long[] qty, long[] basis, long[] buy, long[] sell, long[] upnl, long[] im, long[] mm,
        long[] dUpnl, long[] dIm, long[] dMm)
    {
        int done = KernelSelection.Resolve(mode) switch
        {
            KernelMode.Vector512 => RevalueSimd<Lanes512, System.Runtime.Intrinsics.Vector512<long>>(count, markTv, brackets, qty, basis, buy, sell, upnl, im, mm, dUpnl, dIm, dMm),
            KernelMode.Vector256 => RevalueSimd<Lanes256, System.Runtime.Intrinsics.Vector256<long>>(count, markTv, brackets, qty, basis, buy, sell, upnl, im, mm, dUpnl, dIm, dMm),
            KernelMode.Vector128 => RevalueSimd<Lanes128, System.Runtime.Intrinsics.Vector128<long>>(count, markTv, brackets, qty, basis, buy, sell, upnl, im, mm, dUpnl, dIm, dMm),
            _ => 0,
        };
        RevalueScalar(done, count, markTv, brackets, qty, basis, buy, sell, upnl, im, mm, dUpnl, dIm, dMm);
    }

    /// <summary>The scalar twin over slots [from, count).</summary>
    public static void RevalueScalar(int from, int count, long markTv, in BracketTable br,
        long[] qty, long[] basis, long[] buy, long[] sell, long[] upnl, long[] im, long[] mm,
        long[] dUpnl, long[] dIm, long[] dMm)
    {
        for (int j = from; j < count; j++)
        {
            MarginMath.SlotFigures(qty[j], basis[j], buy[j], sell[j], markTv, br.MaxNotional, br.Imr, br.Mmr, br.Cum, out long u, out long i, out long m);
            dUpnl[j] = u - upnl[j]; upnl[j] = u;
            dMm[j] = m - mm[j]; mm[j] = m;
            dIm[j] = i - im[j]; im[j] = i;
        }
    }

    /// <summary>Processes whole vectors; returns how many slots were done (the rest go scalar).</summary>
    private static int RevalueSimd<TL, TV>(int count, long markTv, in BracketTable br,
        long[] qty, long[] basis, long[] buy, long[] sell, long[] upnl, long[] im, long[] mm,
        long[] dUpnl, long[] dIm, long[] dMm)
        where TL : struct, ILongLanes<TV> where TV : struct
    {
        int width = TL.Count;
        int vectors = count / width;
        if (vectors == 0) return 0;
        TV mtv = TL.Splat(markTv);
        ref long q0 = ref MemoryMarshal.GetArrayDataReference(qty);
        ref long b0 = ref MemoryMarshal.GetArrayDataReference(basis);
        ref long buy0 = ref MemoryMarshal.GetArrayDataReference(buy);
        ref long sell0 = ref MemoryMarshal.GetArrayDataReference(sell);
        ref long u0 = ref MemoryMarshal.GetArrayDataReference(upnl);
        ref long im0 = ref MemoryMarshal.GetArrayDataReference(im);
        ref long mm0 = ref MemoryMarshal.GetArrayDataReference(mm);
        ref long du0 = ref MemoryMarshal.GetArrayDataReference(dUpnl);
        ref long dim0 = ref MemoryMarshal.GetArrayDataReference(dIm);
        ref long dmm0 = ref MemoryMarshal.GetArrayDataReference(dMm);
        int nb = br.MaxNotional.Length;
        for (int v = 0; v < vectors; v++)
        {
            nuint o = (nuint)(v * width);
            TV q = TL.Load(ref q0, o);
            TV u = TL.Sub(TL.Mul(q, mtv), TL.Load(ref b0, o));
            TV n = TL.Mul(TL.Abs(q), mtv);
            TV w = TL.Max(TL.Abs(TL.Add(q, TL.Load(ref buy0, o))), TL.Abs(TL.Sub(q, TL.Load(ref sell0, o))));
            TV nw = TL.Mul(w, mtv);
            // Bracket selection: thresholds increase, so a running select lands on the first bracket with N ≤ max.
            TV mmr = TL.Splat(br.Mmr[0]), cum = TL.Splat(br.Cum[0]), imr = TL.Splat(br.Imr[0]);
            for (int b = 0; b < nb - 1; b++)
            {
                TV limit = TL.Splat(br.MaxNotional[b]);
                TV above = TL.GreaterThan(n, limit);
                mmr = TL.Select(above, TL.Splat(br.Mmr[b + 1]), mmr);
                cum = TL.Select(above, TL.Splat(br.Cum[b + 1]), cum);
                imr = TL.Select(TL.GreaterThan(nw, limit), TL.Splat(br.Imr[b + 1]), imr);
            }
            TV m = TL.Sub(CeilRate<TL, TV>(n, mmr), cum);
            TV i = CeilRate<TL, TV>(nw, imr);
            TL.Store(TL.Sub(u, TL.Load(ref u0, o)), ref du0, o); TL.Store(u, ref u0, o);
            TL.Store(TL.Sub(m, TL.Load(ref mm0, o)), ref dmm0, o); TL.Store(m, ref mm0, o);
            TL.Store(TL.Sub(i, TL.Load(ref im0, o)), ref dim0, o); TL.Store(i, ref im0, o);
        }
        return vectors * width;
    }

    /// <summary>
    /// Lane-wise ceil(n × rate / 10^6) for 0 ≤ n &lt; 2^57, 0 ≤ rate ≤ 10^6, exactly as
    /// <see cref="Money.MulRateCeil"/>: n = hi·10^6 + lo with hi estimated through double and
    /// corrected by one, then lo·rate &lt; 10^12 divided the same way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV CeilRate<TL, TV>(TV n, TV rate) where TL : struct, ILongLanes<TV> where TV : struct
    {
        TV million = TL.Splat(Million);
        TV zero = TL.Splat(0);
        TV minusOne = TL.Splat(-1);
        DivModMillion<TL, TV>(n, million, zero, minusOne, out TV hi, out TV lo);
        TV x = TL.Mul(lo, rate);
        DivModMillion<TL, TV>(x, million, zero, minusOne, out TV q, out TV rem);
        // + 1 where a remainder is left: GreaterThan yields −1 there, so subtract it.
        return TL.Sub(TL.Add(TL.Mul(hi, rate), q), TL.GreaterThan(rem, zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DivModMillion<TL, TV>(TV x, TV million, TV zero, TV minusOne, out TV quotient, out TV remainder)
        where TL : struct, ILongLanes<TV> where TV : struct
    {
        TV q = TL.ApproxDivMillion(x);
        TV r = TL.Sub(x, TL.Mul(q, million));
        // The estimate is off by at most one in either direction (x < 2^57: double error ≤ 16 ≪ 10^6).
        TV low = TL.GreaterThan(zero, r);                         // r < 0
        q = TL.Add(q, low);                                       // −1 where low
        r = TL.Select(low, TL.Add(r, million), r);
        TV high = TL.GreaterThan(r, TL.Add(million, minusOne));   // r ≥ 10^6
        q = TL.Sub(q, high);
        r = TL.Select(high, TL.Sub(r, million), r);
        quotient = q; remainder = r;
    }

    /// <summary>Σ values (wrapping) in <paramref name="mode"/>; identical to the scalar sum.</summary>
    public static long Sum(KernelMode mode, ReadOnlySpan<long> values)
    {
        return KernelSelection.Resolve(mode) switch
        {
            KernelMode.Vector512 => SumSimd<Lanes512, System.Runtime.Intrinsics.Vector512<long>>(values),
            KernelMode.Vector256 => SumSimd<Lanes256, System.Runtime.Intrinsics.Vector256<long>>(values),
            KernelMode.Vector128 => SumSimd<Lanes128, System.Runtime.Intrinsics.Vector128<long>>(values),
            _ => SumScalar(values),
        };
    }

    /// <summary>The scalar twin of <see cref="Sum"/>.</summary>
    public static long SumScalar(ReadOnlySpan<long> values)
    {
        long s = 0;
        foreach (long v in values) s += v;
        return s;
    }

    private static long SumSimd<TL, TV>(ReadOnlySpan<long> values) where TL : struct, ILongLanes<TV> where TV : struct
    {
        int width = TL.Count, vectors = values.Length / width;
        ref long v0 = ref MemoryMarshal.GetReference(values);
        TV acc = TL.Splat(0);
        for (int v = 0; v < vectors; v++) acc = TL.Add(acc, TL.Load(ref v0, (nuint)(v * width)));
        return TL.Sum(acc) + SumScalar(values[(vectors * width)..]);
    }
}
