using CrossMargin.Core.State;
using CrossMargin.Core.Rules;
using CrossMargin.Core.Trigger;
namespace CrossMargin.Core.Engine;

// Orders and cancels (risk-model §5, "order" and "cancel").
public sealed partial class RiskEngine
{
    private ProcessStatus PlaceOrder(in RiskInput o)
    {
        RejectReason reason = OrderCheck.Check(o, _market, _accounts, _orders, Trigger == TriggerMode.Index, out int acct, out long lossPerLot);
        ref var e = ref Events.Add(reason == RejectReason.None ? EventKind.Accepted : EventKind.Rejected);
        e.Account = o.Account; e.OrderId = o.OrderId; e.Reason = reason;
        if (reason != RejectReason.None) return ProcessStatus.Applied;

        int instr = o.Instrument;
        PositionSlots.Ensure(_market, _accounts, acct, instr);
        ref var p = ref _accounts.Position(acct, instr);
        if (o.Side == Side.Buy) p.Buy += o.Qty; else p.Sell += o.Qty;
        PositionSlots.AddOpenLoss(_accounts, acct, instr, o.Qty * lossPerLot);
        _orders.Add(acct, o.OrderId, instr, (sbyte)o.Side, o.Qty, lossPerLot, o.ReduceOnly);
        Revalue(acct, instr);
        return ProcessStatus.Applied;
    }

    private ProcessStatus Cancel(in RiskInput c)
    {
        int k;
        if (!TryAccount(c.Account, out int acct) || (k = _orders.Find(acct, c.OrderId)) < 0)
        {
            Counters.UnknownCancels++;
            return ProcessStatus.Applied;
        }
        int instr = _orders.Instrument[k];
        RemoveOrder(acct, k);
        AfterIsolatedChange(acct, instr);
        return ProcessStatus.Applied;
    }

    /// <summary>Releases an order's remaining lots and open loss, then removes it.</summary>
    private void RemoveOrder(int acct, int k) => ReduceOrder(acct, k, _orders.Remaining[k]);

    /// <summary>Releases <paramref name="lots"/> of order k (pro rata open loss, exact); removes it when done.</summary>
    private void ReduceOrder(int acct, int k, long lots)
    {
        int instr = _orders.Instrument[k];
        ref var p = ref _accounts.Position(acct, instr);
        if (_orders.Side[k] > 0) p.Buy -= lots; else p.Sell -= lots;
        PositionSlots.AddOpenLoss(_accounts, acct, instr, -lots * _orders.LossPerLot[k]);
        _orders.Remaining[k] -= lots;
        if (_orders.Remaining[k] == 0) _orders.RemoveAt(acct, k);
        Revalue(acct, instr);
        PositionSlots.RemoveIfEmpty(_market, _accounts, acct, instr);
    }

    /// <summary>Cancels every open order of a part (§6.1); emits one cancel_all if any was open.</summary>
    private void CancelAll(int part)
    {
        int acct = _accounts.AccountOfPart(part);
        int count = 0;
        for (int k = acct * _no + _orders.CountOf(acct) - 1; k >= acct * _no; k--)
        {
            if (_accounts.PartOf(acct, _orders.Instrument[k]) != part) continue;
            RemoveOrder(acct, k);
            count++;
        }
        if (count == 0) return;
        ref var e = ref AddPartEvent(EventKind.CancelAll, part);
        e.Amount = count;
    }
}
