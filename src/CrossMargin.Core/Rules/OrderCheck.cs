using CrossMargin.Core.Engine;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// The pre-trade check of an order (risk-model §5, "order"): the checks in their specified order,
/// the first failure being the reject reason. Reads state only, except that in index mode it
/// brings stale slot figures to the mark (not a state change).
/// </summary>
internal static class OrderCheck
{
    /// <summary>
    /// Checks <paramref name="o"/>; on <see cref="RejectReason.None"/> <paramref name="acct"/> is its
    /// account index and <paramref name="lossPerLot"/> the open loss each lot carries (µ).
    /// </summary>
    public static RejectReason Check(in RiskInput o, MarketTable market, AccountTable accounts, OrderTable orders, bool refresh,
        out int acct, out long lossPerLot)
    {
        lossPerLot = 0;
        if (!accounts.Index.TryGetValue(o.Account, out acct)) return RejectReason.UnknownAccount;
        int instr = o.Instrument;
        if ((uint)instr >= (uint)market.InstrumentCount) return RejectReason.UnknownInstrument;
        var ins = market.Instruments[instr];
        if (market.GlobalHalt || ins.Halted || accounts.Rows[acct].Halted) return RejectReason.Halted;
        // Side is the sign of the quantity; a value outside buy/sell would be booked as a sell but stored as itself.
        if (o.Qty <= 0 || o.Qty > ins.MaxOrderLots || o.Side is not (Side.Buy or Side.Sell)) return RejectReason.InvalidQuantity;
        if (o.Price <= 0 || o.Price > ins.MaxPriceTicks) return RejectReason.InvalidPrice;
        long mark = ins.MarkTicks;
        // |L − mark| > band × mark, exactly: both sides scaled by 10^6 (the inclusive edge passes).
        if ((Int128)Math.Abs(o.Price - mark) * 1_000_000 > (Int128)ins.BandPpm * mark) return RejectReason.PriceBand;
        if (orders.Find(acct, o.OrderId) >= 0) return RejectReason.DuplicateOrder;
        int part = accounts.PartOf(acct, instr);
        var h = accounts.Health(part);
        if (h is HealthState.Liquidating or HealthState.Bankrupt) return RejectReason.AccountLiquidating;

        int k = acct * accounts.InstrumentStride + instr;
        int j = accounts.PositionSlot[k];
        var t = market.Positions[instr];
        ref var pos = ref accounts.Positions[k]; // zero when there is no slot
        if (j >= 0 && pos.MarkAt != mark) SlotValuation.Revalue(market, accounts, acct, instr); // exact figures on demand (index mode)
        long q = pos.Qty, buy = pos.Buy, sell = pos.Sell;
        if (o.ReduceOnly)
        {
            // Opposite to the position and within |q| (other reduce-only orders are not netted, §8).
            bool opposite = o.Side == Side.Buy ? q < 0 : q > 0;
            if (!opposite || o.Qty > Math.Abs(q)) return RejectReason.ReduceOnlyViolation;
        }
        if (orders.CountOf(acct) == orders.PerAccount) return RejectReason.TooManyOrders;
        if (j < 0 && t.Count == t.Capacity) return RejectReason.TooManyOrders;

        long w = MarginMath.WorstCase(q, buy, sell);
        long w2 = MarginMath.WorstCase(q, o.Side == Side.Buy ? buy + o.Qty : buy, o.Side == Side.Sell ? sell + o.Qty : sell);
        long tv = ins.TickValue;
        lossPerLot = o.Side == Side.Buy ? Math.Max(0, o.Price - mark) * tv : Math.Max(0, mark - o.Price) * tv;
        if (w2 <= w) return RejectReason.None; // risk-reducing or neutral: both margin checks skipped
        long n2 = ins.Notional(w2, mark);
        if (w2 > ins.MaxPositionLots || n2 > ins.TopNotional) return RejectReason.PositionLimit;
        long imOld = pos.Im;
        HealthClassifier.Figures(market, accounts, refresh, part, out long equity, out long imReq, out _, out _);
        imReq = imReq - imOld + ins.InitialMargin(n2) + o.Qty * lossPerLot;
        return equity >= imReq ? RejectReason.None : RejectReason.InsufficientMargin;
    }
}
