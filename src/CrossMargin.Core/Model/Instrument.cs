using System.Runtime.CompilerServices;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;

namespace CrossMargin.Core.Model;

/// <summary>
/// A perpetual instrument (risk-model §1, §3). Quantities are lots, prices are ticks and
/// <see cref="TickValue"/> converts lots × ticks to money micro-units exactly.
/// </summary>
public sealed class Instrument
{
    internal Instrument(string id, int index, FixedDecimal tickSize, FixedDecimal lotSize, long tickValue,
        MarginBracket[] brackets, long maxPositionLots, long maxOrderLots, long maxPriceTicks, long bandPpm, long markTicks)
    {
        Id = id; Index = index; TickSize = tickSize; LotSize = lotSize; TickValue = tickValue;
        Brackets = brackets; MaxPositionLots = maxPositionLots; MaxOrderLots = maxOrderLots;
        MaxPriceTicks = maxPriceTicks; BandPpm = bandPpm; MarkTicks = markTicks;
        BracketMaxNotional = new long[brackets.Length];
        BracketImr = new long[brackets.Length];
        BracketMmr = new long[brackets.Length];
        BracketCum = new long[brackets.Length];
        for (int b = 0; b < brackets.Length; b++)
        {
            BracketMaxNotional[b] = brackets[b].MaxNotional;
            BracketImr[b] = brackets[b].ImrPpm;
            BracketMmr[b] = brackets[b].MmrPpm;
            BracketCum[b] = brackets[b].Cum;
            MaxImrPpm = Math.Max(MaxImrPpm, brackets[b].ImrPpm);
            ImrNonDecreasing &= b == 0 || brackets[b].ImrPpm >= brackets[b - 1].ImrPpm;
            MaxMmrPpm = Math.Max(MaxMmrPpm, brackets[b].MmrPpm);
        }
    }

    /// <summary>Instrument id, e.g. "BTC-PERP".</summary>
    public string Id { get; }
    /// <summary>Definition order (also the order of positions in output and of isolated parts).</summary>
    public int Index { get; }
    /// <summary>Price increment.</summary>
    public FixedDecimal TickSize { get; }
    /// <summary>Quantity increment.</summary>
    public FixedDecimal LotSize { get; }
    /// <summary>Money micro-units per lot per tick: tickSize × lotSize × 10^6, a positive integer.</summary>
    public long TickValue { get; }
    /// <summary>The margin table, strictly increasing in MaxNotional.</summary>
    public MarginBracket[] Brackets { get; }
    /// <summary>Largest |worst-case position| an order may create, lots.</summary>
    public long MaxPositionLots { get; }
    /// <summary>Largest order quantity, lots.</summary>
    public long MaxOrderLots { get; }
    /// <summary>Largest price, ticks.</summary>
    public long MaxPriceTicks { get; }
    /// <summary>Price band as a fraction of mark, ppm.</summary>
    public long BandPpm { get; }
    /// <summary>Current mark price, ticks.</summary>
    public long MarkTicks { get; internal set; }
    /// <summary>Kill switch for new orders on this instrument.</summary>
    public bool Halted { get; internal set; }

    /// <summary>Largest initial / maintenance rate over the brackets, ppm: the slopes a safe band is built from.</summary>
    internal long MaxImrPpm { get; }
    /// <inheritdoc cref="MaxImrPpm"/>
    internal long MaxMmrPpm { get; }
    /// <summary>True when no bracket's initial rate is below the previous one's (IM is then monotone in the price).</summary>
    internal bool ImrNonDecreasing { get; } = true;

    // Struct-of-arrays copy of the brackets for the SIMD kernels.
    internal readonly long[] BracketMaxNotional, BracketImr, BracketMmr, BracketCum;

    /// <summary>Notional of |lots| at <paramref name="priceTicks"/>, money micro-units (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Notional(long lots, long priceTicks) => Math.Abs(lots) * priceTicks * TickValue;

    /// <summary>The bracket a notional falls in: the first with N ≤ maxNotional, else the last (§3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int BracketOf(long notional) => MarginMath.BracketOf(BracketMaxNotional, notional);

    /// <summary>Maintenance margin of a notional: ceil(N × mmr_b) − cum_b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long MaintenanceMargin(long notional) => MarginMath.Maintenance(BracketMaxNotional, BracketMmr, BracketCum, notional);

    /// <summary>Initial margin of a worst-case notional: ceil(N × imr_b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long InitialMargin(long notional) => MarginMath.Initial(BracketMaxNotional, BracketImr, notional);

    /// <summary>uPnL, IM and MM of a holder slot at the current mark (risk-model §2–§3, via <see cref="MarginMath"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SlotFigures(long q, long basis, long buy, long sell, out long upnl, out long im, out long mm) =>
        MarginMath.SlotFigures(q, basis, buy, sell, MarkTicks * TickValue, BracketMaxNotional, BracketImr, BracketMmr, BracketCum, out upnl, out im, out mm);

    /// <summary>Largest notional an order may reach (the last bracket's bound).</summary>
    public long TopNotional => BracketMaxNotional[^1];

    /// <summary>Formats a lot count as a decimal quantity.</summary>
    public string FormatQty(long lots) => FixedDecimal.Format(lots * LotSize.Mantissa, LotSize.Scale);

    /// <summary>Formats a tick count as a decimal price.</summary>
    public string FormatPrice(long ticks) => FixedDecimal.Format(ticks * TickSize.Mantissa, TickSize.Scale);
}
