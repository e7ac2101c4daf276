using System.Runtime.CompilerServices;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Rules;

/// <summary>
/// The one home of the margin formulas of risk-model §2–§3 (scalar): uPnL, the bracket lookup,
/// maintenance and initial margin, and the worst-case W. The instrument, the engine's exact
/// on-demand figures, the cache audit and the scalar twin of the SIMD kernel all call these; the
/// vector kernel is the only other implementation, and a property test proves it bit-identical.
/// </summary>
internal static class MarginMath
{
    /// <summary><c>uPnL = q × mark × tv − basis</c>, with <paramref name="markTv"/> = mark × tv.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Upnl(long q, long basis, long markTv) => q * markTv - basis;

    /// <summary><c>W = max(|q + B|, |q − S|)</c>: the position if every open buy or every open sell filled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long WorstCase(long q, long buy, long sell) => Math.Max(Math.Abs(q + buy), Math.Abs(q - sell));

    /// <summary>The bracket a notional falls in: the first with N ≤ maxNotional, else the last (§3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BracketOf(ReadOnlySpan<long> maxNotional, long notional)
    {
        int last = maxNotional.Length - 1;
        for (int b = 0; b < last; b++) if (notional <= maxNotional[b]) return b;
        return last;
    }

    /// <summary><c>MM = ceil(N × mmr_b) − cum_b</c> (0 for N = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Maintenance(ReadOnlySpan<long> maxNotional, ReadOnlySpan<long> mmr, ReadOnlySpan<long> cum, long notional)
    {
        if (notional == 0) return 0;
        int b = BracketOf(maxNotional, notional);
        return Money.MulRateCeil(notional, mmr[b]) - cum[b];
    }

    /// <summary><c>IM = ceil(N(W) × imr_b)</c> in the bracket of the worst-case notional (0 for N = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Initial(ReadOnlySpan<long> maxNotional, ReadOnlySpan<long> imr, long notional) =>
        notional == 0 ? 0 : Money.MulRateCeil(notional, imr[BracketOf(maxNotional, notional)]);

    /// <summary>uPnL, IM and MM of one holder slot at <paramref name="markTv"/> (mark × tick value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SlotFigures(long q, long basis, long buy, long sell, long markTv,
        ReadOnlySpan<long> maxNotional, ReadOnlySpan<long> imr, ReadOnlySpan<long> mmr, ReadOnlySpan<long> cum,
        out long upnl, out long im, out long mm)
    {
        upnl = Upnl(q, basis, markTv);
        mm = Maintenance(maxNotional, mmr, cum, Math.Abs(q) * markTv);
        im = Initial(maxNotional, imr, WorstCase(q, buy, sell) * markTv);
    }
}
