using CrossMargin.Core.Rules;
namespace CrossMargin.Core.Engine;

// Orders and cancels (risk-model §5, "order" and "cancel").
public sealed partial class RiskEngine
{
    private ProcessStatus PlaceOrder(in RiskInput o)
    {
        RejectReason reason = CheckOrder(o, out int acct, out long lossPerLot);
        ref var e = ref Events.Add(reason == RejectReason.None ? EventKind.Accepted : EventKind.Rejected);
        e.Account = o.Account; e.OrderId = o.OrderId; e.Reason = reason;
        if (reason != RejectReason.None) return ProcessStatus.Applied;

        int instr = o.Instrument;
        int j = EnsureSlot(acct, instr);
        var t = _tables[instr];
        if (o.Side == Side.Buy) t.Buy[j] += o.Qty; else t.Sell[j] += o.Qty;
        AddOpenLoss(instr, j, o.Qty * lossPerLot);
        int k = acct * _no + _orderCount[acct]++;
        _orderId[k] = o.OrderId;
        _orderInstrument[k] = instr;
        _orderSide[k] = (sbyte)o.Side;
        _orderRemaining[k] = o.Qty;
        _orderLossPerLot[k] = lossPerLot;
        _orderReduceOnly[k] = o.ReduceOnly;
        Revalue(instr, j);
        return ProcessStatus.Applied;
    }

    /// <summary>The checks of §5 in their order; the first failure is the reason.</summary>
    private RejectReason CheckOrder(in RiskInput o, out int acct, out long lossPerLot)
    {
        lossPerLot = 0;
        if (!TryAccount(o.Account, out acct)) return RejectReason.UnknownAccount;
        int instr = o.Instrument;
        if ((uint)instr >= (uint)_instrumentCount) return RejectReason.UnknownInstrument;
        var ins = _instruments[instr];
        if (_globalHalt || ins.Halted || _accountHalted[acct]) return RejectReason.Halted;
        // Side is the sign of the quantity; a value outside buy/sell would be booked as a sell but stored as itself.
        if (o.Qty <= 0 || o.Qty > ins.MaxOrderLots || o.Side is not (Side.Buy or Side.Sell)) return RejectReason.InvalidQuantity;
        if (o.Price <= 0 || o.Price > ins.MaxPriceTicks) return RejectReason.InvalidPrice;
        long mark = ins.MarkTicks;
        // |L − mark| > band × mark, exactly: both sides scaled by 10^6 (the inclusive edge passes).
        if ((Int128)Math.Abs(o.Price - mark) * 1_000_000 > (Int128)ins.BandPpm * mark) return RejectReason.PriceBand;
        if (FindOrder(acct, o.OrderId) >= 0) return RejectReason.DuplicateOrder;
        int part = PartOf(acct, instr);
        var h = _health[part];
        if (h is HealthState.Liquidating or HealthState.Bankrupt) return RejectReason.AccountLiquidating;

        int j = _positionSlot[acct * _ni + instr];
        var t = _tables[instr];
        if (j >= 0 && t.MarkAt[j] != mark) RevalueSlot(instr, j); // exact figures on demand (index mode)
        long q = j >= 0 ? t.Qty[j] : 0, buy = j >= 0 ? t.Buy[j] : 0, sell = j >= 0 ? t.Sell[j] : 0;
        if (o.ReduceOnly)
        {
            // Opposite to the position and within |q| (other reduce-only orders are not netted, §8).
            bool opposite = o.Side == Side.Buy ? q < 0 : q > 0;
            if (!opposite || o.Qty > Math.Abs(q)) return RejectReason.ReduceOnlyViolation;
        }
        if (_orderCount[acct] == _no) return RejectReason.TooManyOrders;
        if (j < 0 && t.Count == t.Capacity) return RejectReason.TooManyOrders;

        long w = MarginMath.WorstCase(q, buy, sell);
        long w2 = MarginMath.WorstCase(q, o.Side == Side.Buy ? buy + o.Qty : buy, o.Side == Side.Sell ? sell + o.Qty : sell);
        long tv = ins.TickValue;
        lossPerLot = o.Side == Side.Buy ? Math.Max(0, o.Price - mark) * tv : Math.Max(0, mark - o.Price) * tv;
        if (w2 <= w) return RejectReason.None; // risk-reducing or neutral: both margin checks skipped
        long n2 = ins.Notional(w2, mark);
        if (w2 > ins.MaxPositionLots || n2 > ins.TopNotional) return RejectReason.PositionLimit;
        long imOld = j >= 0 ? t.Im[j] : 0;
        long imReq = InitialRequirement(part) - imOld + ins.InitialMargin(n2) + o.Qty * lossPerLot;
        return Equity(part) >= imReq ? RejectReason.None : RejectReason.InsufficientMargin;
    }

    /// <summary>Index k of an open order (absolute into the order arrays), −1 if none.</summary>
    private int FindOrder(int acct, long orderId)
    {
        int k = _orderId.AsSpan(acct * _no, _orderCount[acct]).IndexOf(orderId); // vectorised search
        return k < 0 ? -1 : acct * _no + k;
    }

    private ProcessStatus Cancel(in RiskInput c)
    {
        int k;
        if (!TryAccount(c.Account, out int acct) || (k = FindOrder(acct, c.OrderId)) < 0)
        {
            Counters.UnknownCancels++;
            return ProcessStatus.Applied;
        }
        int instr = _orderInstrument[k];
        RemoveOrder(acct, k);
        AfterIsolatedChange(acct, instr);
        return ProcessStatus.Applied;
    }

    /// <summary>Releases an order's remaining lots and open loss, then removes it.</summary>
    private void RemoveOrder(int acct, int k) => ReduceOrder(acct, k, _orderRemaining[k]);

    /// <summary>Releases <paramref name="lots"/> of order k (pro rata open loss, exact); removes it when done.</summary>
    private void ReduceOrder(int acct, int k, long lots)
    {
        int instr = _orderInstrument[k];
        int j = _positionSlot[acct * _ni + instr];
        var t = _tables[instr];
        if (_orderSide[k] > 0) t.Buy[j] -= lots; else t.Sell[j] -= lots;
        AddOpenLoss(instr, j, -lots * _orderLossPerLot[k]);
        _orderRemaining[k] -= lots;
        if (_orderRemaining[k] == 0)
        {
            int last = acct * _no + --_orderCount[acct];
            if (k != last)
            {
                _orderId[k] = _orderId[last];
                _orderInstrument[k] = _orderInstrument[last];
                _orderSide[k] = _orderSide[last];
                _orderRemaining[k] = _orderRemaining[last];
                _orderLossPerLot[k] = _orderLossPerLot[last];
                _orderReduceOnly[k] = _orderReduceOnly[last];
            }
        }
        Revalue(instr, j);
        RemoveSlotIfEmpty(acct, instr);
    }

    /// <summary>Cancels every open order of a part (§6.1); emits one cancel_all if any was open.</summary>
    private void CancelAll(int part)
    {
        int acct = AccountOfPart(part);
        int count = 0;
        for (int k = acct * _no + _orderCount[acct] - 1; k >= acct * _no; k--)
        {
            if (PartOf(acct, _orderInstrument[k]) != part) continue;
            RemoveOrder(acct, k);
            count++;
        }
        if (count == 0) return;
        ref var e = ref AddPartEvent(EventKind.CancelAll, part);
        e.Amount = count;
    }
}
