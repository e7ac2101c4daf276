using CrossMargin.Core.Engine;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Open orders (risk-model §5 "order" and "cancel", §6.1): an accepted order books its lots and
/// open loss into its slot, a fill or cancel releases them pro rata (exactly), and entering
/// liquidation cancels every open order of the part. <see cref="OrderCheck"/> decides acceptance.
/// </summary>
internal sealed class OrderEntry(MarketTable market, AccountTable accounts, OrderTable orders, Settlement settlement,
    EventWriter events, CollateralMoves collateral, EngineCounters counters, bool refresh)
{
    private readonly int _ni = accounts.InstrumentStride, _no = orders.PerAccount;

    public ProcessStatus PlaceOrder(in RiskInput o)
    {
        RejectReason reason = OrderCheck.Check(o, market, accounts, orders, refresh, out int acct, out long lossPerLot);
        events.OrderAnswer(o, reason);
        if (reason != RejectReason.None) return ProcessStatus.Applied;

        int instr = o.Instrument;
        PositionSlots.Ensure(market, accounts, acct, instr);
        ref var p = ref accounts.Position(acct, instr);
        if (o.Side == Side.Buy) p.Buy += o.Qty; else p.Sell += o.Qty;
        PositionSlots.AddOpenLoss(accounts, acct, instr, o.Qty * lossPerLot);
        orders.Add(acct, o.OrderId, instr, (sbyte)o.Side, o.Qty, lossPerLot, o.ReduceOnly);
        Revalue(acct, instr);
        return ProcessStatus.Applied;
    }

    public ProcessStatus Cancel(in RiskInput c)
    {
        int k;
        if (!accounts.Index.TryGetValue(c.Account, out int acct) || (k = orders.Find(acct, c.OrderId)) < 0)
        {
            counters.UnknownCancels++;
            return ProcessStatus.Applied;
        }
        int instr = orders.Instrument[k];
        RemoveOrder(acct, k);
        collateral.AfterIsolatedChange(acct, instr);
        return ProcessStatus.Applied;
    }

    /// <summary>Releases an order's remaining lots and open loss, then removes it.</summary>
    private void RemoveOrder(int acct, int k) => ReduceOrder(acct, k, orders.Remaining[k]);

    /// <summary>Releases <paramref name="lots"/> of order k (pro rata open loss, exact); removes it when done.</summary>
    public void ReduceOrder(int acct, int k, long lots)
    {
        int instr = orders.Instrument[k];
        ref var p = ref accounts.Position(acct, instr);
        if (orders.Side[k] > 0) p.Buy -= lots; else p.Sell -= lots;
        PositionSlots.AddOpenLoss(accounts, acct, instr, -lots * orders.LossPerLot[k]);
        orders.Remaining[k] -= lots;
        if (orders.Remaining[k] == 0) orders.RemoveAt(acct, k);
        Revalue(acct, instr);
        PositionSlots.RemoveIfEmpty(market, accounts, acct, instr);
    }

    /// <summary>Cancels every open order of a part (§6.1); emits one cancel_all if any was open.</summary>
    public void CancelAll(int part)
    {
        int acct = accounts.AccountOfPart(part);
        int count = 0;
        for (int k = acct * _no + orders.CountOf(acct) - 1; k >= acct * _no; k--)
        {
            if (accounts.PartOf(acct, orders.Instrument[k]) != part) continue;
            RemoveOrder(acct, k);
            count++;
        }
        if (count == 0) return;
        events.CancelAll(part, count);
    }

    /// <summary>
    /// Recomputes (account, instrument)'s cached uPnL / IM / MM at the current mark (the scalar twin
    /// of the revaluation kernel) and carries the deltas into its cross sums; touches the part.
    /// </summary>
    private void Revalue(int acct, int instr)
    {
        SlotValuation.Revalue(market, accounts, acct, instr);
        settlement.Touch(PositionSlots.PartOfSlot(accounts, acct, instr));
    }
}
