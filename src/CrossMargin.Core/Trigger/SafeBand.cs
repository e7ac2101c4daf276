using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Trigger;

/// <summary>
/// The conservative price band of a margin part (issue 8, item 1). A part's health (§4) is a
/// function of four integer signs: E &lt; 0, E − MMreq ≤ 0, MMreq &gt; 0, E − IMreq ≥ 0 (and of
/// whether it holds a position, which no mark changes). Each keeps its truth value while the
/// quantity moves by at most its <em>budget</em>: the distance to its flip point, minding the
/// inclusive edges (e.g. E − MM = 0 is still liquidating, E − IM = 0 still healthy).
/// <para>When mark j moves by Δ ticks: uPnL_j moves by exactly q_j·tv_j·Δ; MM_j = ceil(N·mmr_b) − cum_b
/// is within [f, f + 2) of the continuous f(N) = N·mmr_b − Cum_b (cum floored once per bracket), so it
/// moves by at most ceil(|q_j|·tv_j·mmr_max)·|Δ| + 2; IM_j = ceil(N(W_j)·imr_b) moves by at most
/// ceil(W_j·tv_j·imr_max)·|Δ| + 1 while N(W_j) stays inside one bracket — IM jumps at a bracket edge,
/// so a band also stops there — or, when initial rates never fall across brackets (IM monotone in
/// price), at the farthest price where the exact IM change still fits the budget. Open loss does not depend on the mark.</para>
/// <para>Each predicate's budget minus the constant terms is split equally among the k instruments the
/// part holds, and instrument j may move r_j = min over predicates of share / slope ticks. Inside every
/// band, Σ_j (slope_j·|Δ_j| + c_j) ≤ budget for each predicate, so no sign flips and the health cannot
/// change: bands never miss a transition. Pure functions, tested directly and by the scan/index
/// equivalence properties.</para>
/// </summary>
internal static class SafeBand
{
    /// <summary>Slopes per instrument: E, E − MM, MM, E − IM (µ per tick) then their constants.</summary>
    public const int SlopeCount = 8;

    /// <summary>The µ-per-tick slopes and rounding constants of one held instrument.</summary>
    public readonly record struct Slopes(long E, long MarginMm, long Mm, long MarginIm, long CMarginMm, long CMm, long CMarginIm);

    /// <summary>Slopes of (q, W) on <paramref name="ins"/>.</summary>
    public static Slopes SlopesOf(Instrument ins, long q, long w)
    {
        long tv = ins.TickValue, absQ = Math.Abs(q);
        long se = absQ * tv;
        long smm = q == 0 ? 0 : Money.MulRateCeil(absQ * tv, ins.MaxMmrPpm);
        long sim = w == 0 ? 0 : Money.MulRateCeil(w * tv, ins.MaxImrPpm);
        long cmm = q != 0 && ins.MaxMmrPpm > 0 ? 2 : 0;
        long cim = w != 0 && ins.MaxImrPpm > 0 ? 1 : 0;
        return new Slopes(se, se + smm, smm, se + sim, cmm, cmm, cim);
    }

    /// <summary>The four budgets of a part and the sums of its constants over the instruments it holds.</summary>
    public struct Budget(long equity, long im, long mm)
    {
        // Budgets: how far each quantity may move before its predicate flips.
        private readonly long _bE = equity < 0 ? -equity - 1 : equity;
        private readonly long _bMarginMm = equity - mm <= 0 ? -(equity - mm) : equity - mm - 1;
        private readonly long _bMm = mm > 0 ? mm - 1 : -mm;
        private readonly long _bMarginIm = equity - im >= 0 ? equity - im : -(equity - im) - 1;
        private long _cMarginMm, _cMm, _cMarginIm;
        // Which side of each E predicate the part is on: a rise of E can flip only those below their edge.
        private readonly bool _eBelow = equity < 0, _mmBelow = equity - mm <= 0, _imBelow = equity - im < 0;

        /// <summary>Adds one held instrument's constants.</summary>
        public void Add(Slopes s) { _cMarginMm += s.CMarginMm; _cMm += s.CMm; _cMarginIm += s.CMarginIm; }

        /// <summary>The band of one of <paramref name="held"/> instruments: [lo, hi] in ticks, inside [1, maxPrice].</summary>
        public readonly (long Lo, long Hi) BandOf(Instrument ins, Slopes s, long w, int held)
        {
            long mark = ins.MarkTicks, cap = ins.MaxPriceTicks;
            long r = cap;
            r = Math.Min(r, Reach(_bE, 0, s.E, held));
            r = Math.Min(r, Reach(_bMarginMm, _cMarginMm, s.MarginMm, held));
            r = Math.Min(r, Reach(_bMm, _cMm, s.Mm, held));
            r = Math.Min(r, Reach(_bMarginIm, _cMarginIm, s.MarginIm, held));
            long lo = Math.Max(1, mark - r), hi = Math.Min(cap, mark + r);
            if (w != 0 && ins.MaxImrPpm > 0)
            {
                long spareIm = _bMarginIm - _cMarginIm;
                if (spareIm >= 0 && ins.ImrNonDecreasing) FitIm(ins, w, mark, s.E, spareIm / held, ref lo, ref hi);
                else ImBracketRange(ins, w, mark, ref lo, ref hi);
            }
            return (lo, hi);
        }

        /// <summary>
        /// The highest haircut value (µ) an asset band lets one balance reach without a re-evaluation: the
        /// value's own cap (<see cref="Model.Asset.ValueCap"/>, 2^56), above which it no longer moves with the price.
        /// </summary>
        public const long ValueCeiling = Model.Asset.ValueCap;

        /// <summary>
        /// The band of a collateral asset's index price (micro-units per whole asset) for a cross part
        /// holding <paramref name="units"/> &gt; 0 of it, one of <paramref name="held"/> banded things. The
        /// haircut value v(p) = floor(c·p / D), c = units·(10^6 − h), D = 10^decimals·10^6, is monotone in
        /// p and moves only E (so E, E − MM and E − IM, each by the same amount). A fall of v can flip only
        /// the predicates the part is above the edge of, a rise only those it is below, so each side of the
        /// band gets this asset's equal share of its own budgets (none: unbounded) and is exactly the prices
        /// where v stays within it (the floor is inside v, so no rounding constant is needed; the edges are
        /// exact although low·D needs up to 140 bits, see <see cref="CeilMulDiv"/>). The band never reaches a
        /// price where c·p leaves 128 bits (HaircutValue would wrap) or v passes <see cref="ValueCeiling"/>.
        /// </summary>
        public readonly (long Lo, long Hi) AssetBandOf(Asset asset, long units, int held)
        {
            long p0 = asset.IndexPriceMicros;
            Int128 c = (Int128)units * (Money.Scale - asset.HaircutPpm);
            if (c <= 0) return (1, long.MaxValue);           // a 100 % haircut: the value is 0 at every price
            Int128 d = (Int128)asset.UnitsPerWhole * Money.Scale;
            // Above this price c·p leaves 128 bits here (the value is long capped there; the band stays put).
            Int128 exactUpTo = Int128.MaxValue / c;
            if (p0 > exactUpTo) return (p0, p0);
            Int128 v0 = Int128.Min(c * p0 / d, ValueCeiling); // HaircutValue's capped value at p0
            if (v0 >= long.MaxValue) return (p0, p0);
            long fall = Spare(!_eBelow, _bE, !_mmBelow, _bMarginMm - _cMarginMm, !_imBelow, _bMarginIm - _cMarginIm);
            long rise = Spare(_eBelow, _bE, _mmBelow, _bMarginMm - _cMarginMm, _imBelow, _bMarginIm - _cMarginIm);
            Int128 lo = 1, hi = Int128.Min(long.MaxValue, exactUpTo);
            if (fall < 0) lo = p0;
            else if (fall != long.MaxValue)
            {
                long low = (long)v0 - fall / held;            // v(p) ≥ low ⟺ c·p ≥ low·D
                if (low > 0) lo = CeilMulDiv(low, d, c);
            }
            if (rise < 0 || v0 >= ValueCeiling) hi = p0;
            else
            {
                // Even with nothing a rise could flip, the value stays below a ceiling: far above it E's sums would wrap.
                long top = (long)v0 + (rise == long.MaxValue ? ValueCeiling - (long)v0 : Math.Min(rise / held, ValueCeiling - (long)v0));
                hi = Int128.Min(hi, CeilMulDiv(top + 1, d, c) - 1); // v(p) ≤ top ⟺ c·p < (top + 1)·D
            }
            return ((long)Int128.Max(1, Int128.Min(lo, p0)), (long)Int128.Max(hi, p0));
        }

        /// <summary>
        /// ceil(x·y / z) for 0 &lt; x &lt; 2^63, 0 &lt; y &lt; 2^90, 0 &lt; z &lt; 2^77, exact although x·y may need more
        /// than 128 bits: x·y/z = x·(y div z) + x·(y mod z)/z, the second product split at 32 bits of x. A
        /// quotient beyond 128 bits (no price can be there) saturates at Int128.MaxValue.
        /// </summary>
        private static Int128 CeilMulDiv(long x, Int128 y, Int128 z)
        {
            Int128 q = y / z, r = y % z;
            if (q != 0 && x > Int128.MaxValue / 2 / q) return Int128.MaxValue;
            Int128 a = x >> 32, b = x & 0xFFFF_FFFF;
            Int128 ar = a * r;                                // < 2^31 · 2^77
            Int128 qa = ar / z, ra = ar % z;
            Int128 tail = (ra << 32) + b * r;                 // < 2^110
            Int128 floor = x * q + (qa << 32) + tail / z;
            return tail % z == 0 ? floor : floor + 1;
        }

        /// <summary>The least spare budget (budget − constants) among the predicates that apply; long.MaxValue when none does.</summary>
        private static long Spare(bool e, long spareE, bool marginMm, long spareMm, bool marginIm, long spareIm)
        {
            long s = long.MaxValue;
            if (e) s = spareE;
            if (marginMm) s = Math.Min(s, spareMm);
            if (marginIm) s = Math.Min(s, spareIm);
            return s;
        }

        /// <summary>Ticks one instrument may move: its equal share of (budget − constants) over its slope.</summary>
        private static long Reach(long budget, long constants, long slope, int held)
        {
            long spare = budget - constants;
            if (spare < 0) return slope == 0 && constants == 0 ? long.MaxValue : 0;
            if (slope == 0) return long.MaxValue;
            return spare / held / slope;
        }
    }

    /// <summary>
    /// IM_j is monotone in the price when the initial rates never fall from one bracket to the next, so
    /// between the mark and a price p it moves by exactly |IM(p) − IM(mark)|, jumps at bracket edges
    /// included. Each side of the band is kept where the uPnL move plus that exact IM change fits this
    /// instrument's share of the E − IMreq budget, and otherwise shrunk (binary search: both terms grow
    /// with the distance) to the farthest price that still fits — so a bracket edge stops a band only
    /// when its jump could actually flip the part.
    /// </summary>
    private static void FitIm(Instrument ins, long w, long mark, long slopeE, long share, ref long lo, ref long hi)
    {
        long wtv = w * ins.TickValue;
        long at = ins.InitialMargin(wtv * mark);
        if (!Fits(ins, wtv, mark, at, slopeE, share, hi))
        {
            long good = mark, bad = hi;
            while (bad - good > 1) { long mid = good + (bad - good) / 2; if (Fits(ins, wtv, mark, at, slopeE, share, mid)) good = mid; else bad = mid; }
            hi = good;
        }
        if (!Fits(ins, wtv, mark, at, slopeE, share, lo))
        {
            long good = mark, bad = lo;
            while (good - bad > 1) { long mid = bad + (good - bad) / 2; if (Fits(ins, wtv, mark, at, slopeE, share, mid)) good = mid; else bad = mid; }
            lo = good;
        }
    }

    /// <summary>uPnL move plus exact IM change from the mark to <paramref name="p"/> within <paramref name="share"/> (no closure: the hot path allocates nothing).</summary>
    private static bool Fits(Instrument ins, long wtv, long mark, long at, long slopeE, long share, long p) =>
        (Int128)slopeE * Math.Abs(p - mark) + Math.Abs(ins.InitialMargin(wtv * p) - at) <= share;

    /// <summary>Narrows [lo, hi] to the prices at which notional(W, p) stays in the IM bracket it is in at <paramref name="mark"/>.</summary>
    public static void ImBracketRange(Instrument ins, long w, long mark, ref long lo, ref long hi)
    {
        var max = ins.BracketMaxNotional;
        long wtv = w * ins.TickValue;
        int b = ins.BracketOf(wtv * mark);
        if (b > 0) lo = Math.Max(lo, max[b - 1] / wtv + 1);          // N > maxNotional_{b−1}
        if (b < max.Length - 1) hi = Math.Min(hi, max[b] / wtv);     // N ≤ maxNotional_b
    }
}
