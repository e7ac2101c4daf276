using CrossMargin.Core.Trigger;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Engine;

// Liquidation (risk-model §6, §8): partial rounds at the bankruptcy price, takeover by the
// insurance fund, and ranked auto-deleveraging. Nothing here allocates: position lists live in
// stack buffers bounded by the instrument capacity.
public sealed partial class RiskEngine
{
    /// <summary>
    /// One partial-liquidation round (§6.2): positions by largest MM_j first (ties: instrument
    /// order); for each, the smallest r such that closing r at mark leaves E ≥ MMreq' × (1 + buffer)
    /// (fees ignored, so E does not move); if none, the whole position and on to the next.
    /// </summary>
    private void LiquidationRound(int part)
    {
        int acct = AccountOfPart(part);
        Span<int> order = stackalloc int[_instrumentCount];
        int n = PositionsByMaintenance(part, order);
        long equity = Equity(part);
        long rest = MaintenanceRequirement(part);
        Int128 lhs = (Int128)equity * Money.Scale;
        long factor = Money.Scale + Config.LiquidationBufferPpm;
        for (int k = 0; k < n; k++)
        {
            int instr = order[k];
            var ins = _instruments[instr];
            var t = _tables[instr];
            int j = _positionSlot[acct * _ni + instr];
            long q = t.Qty[j], absQ = Math.Abs(q), mark = ins.MarkTicks;
            long others = rest - t.Mm[j];
            // Keep n lots: target holds for n = 0 at best; MM(n) is non-decreasing, so binary-search the largest n.
            long keep = -1, lo = 0, hi = absQ - 1;
            while (lo <= hi)
            {
                long mid = lo + ((hi - lo) >> 1);
                long mm = others + ins.MaintenanceMargin(ins.Notional(mid, mark));
                if (lhs >= (Int128)mm * factor) { keep = mid; lo = mid + 1; } else hi = mid - 1;
            }
            long r = keep < 0 ? absQ : absQ - keep;
            IssueLiquidationOrder(part, acct, instr, q, r, BankruptcyPrice(instr, q, equity));
            if (keep >= 0) break;
            rest = others; // the state the full close would leave
        }
    }

    private void IssueLiquidationOrder(int part, int acct, int instr, long q, long lots, long price)
    {
        int li = acct * _ni + instr;
        sbyte side = (sbyte)(q > 0 ? Side.Sell : Side.Buy);
        if (_liqRemaining[li] == 0) _liqOpen[part]++;
        _liqRemaining[li] = lots; _liqSide[li] = side; _liqPrice[li] = price;
        ref var e = ref Events.Add(EventKind.LiquidationOrder);
        e.Account = _accountId[acct]; e.Instrument = instr; e.Side = (Side)side; e.Qty = lots; e.Price = price;
        Counters.LiquidationOrders++;
    }

    /// <summary>When a part leaves liquidating its liquidation orders lapse (IOC) without an event (§8).</summary>
    private void LapseLiquidationOrders(int part)
    {
        if (_liqOpen[part] == 0) return;
        int acct = AccountOfPart(part);
        for (int i = 0; i < _instrumentCount; i++)
            if (PartOf(acct, i) == part) _liqRemaining[acct * _ni + i] = 0;
        _liqOpen[part] = 0;
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the instruments of the part's open positions, largest
    /// MM_j first, ties in instrument order (insertion sort: at most a few dozen entries).
    /// </summary>
    private int PositionsByMaintenance(int part, Span<int> order)
    {
        if (Trigger == TriggerMode.Index) Refresh(part);
        int acct = AccountOfPart(part), n = 0;
        for (int i = 0; i < _instrumentCount; i++)
        {
            int j = _positionSlot[acct * _ni + i];
            if (j < 0 || _tables[i].Qty[j] == 0 || PartOf(acct, i) != part) continue;
            long mm = _tables[i].Mm[j];
            int at = n++;
            while (at > 0 && _tables[order[at - 1]].Mm[_positionSlot[acct * _ni + order[at - 1]]] < mm)
            {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = i;
        }
        return n;
    }

    /// <summary>
    /// The price at which closing the whole position brings E to 0: mark − E / (q × tv), a sell
    /// rounded up and a buy rounded down to the tick, at least one tick, not capped (§6.2, §8).
    /// </summary>
    internal long BankruptcyPrice(int instr, long q, long equity)
    {
        var ins = _instruments[instr];
        long qtv = Math.Abs(q) * ins.TickValue;
        long shift = Money.FloorDiv(equity, qtv);
        // long (sell): ceil(mark − E/qtv) = mark − floor(E/qtv); short (buy): floor(mark + E/qtv).
        long price = q > 0 ? ins.MarkTicks - shift : ins.MarkTicks + shift;
        return Math.Max(1, price);
    }

    /// <summary>
    /// Takeover of a bankrupt part (§6.4, §8): positions to the fund at mark, non-settlement
    /// collateral to the fund at haircut value, `takeover` with the deficit, ADL for what the fund
    /// cannot cover, then the fund pays the deficit and the part is flat with zero balances.
    /// </summary>
    private void Takeover(int part)
    {
        int acct = AccountOfPart(part);
        long equity = Equity(part);
        Span<int> taken = stackalloc int[_instrumentCount];
        Span<long> takenQty = stackalloc long[_instrumentCount];
        Span<long> takenPrice = stackalloc long[_instrumentCount];
        int n = PositionsByMaintenance(part, taken); // ADL order: largest MM_j first
        for (int k = 0; k < n; k++)
        {
            int instr = taken[k];
            long q = _tables[instr].Qty[_positionSlot[acct * _ni + instr]];
            takenQty[k] = q;
            takenPrice[k] = BankruptcyPrice(instr, q, equity);
            long mark = _instruments[instr].MarkTicks;
            ApplyTrade(acct, instr, -q, mark);
            ApplyTrade(FundAccount, instr, q, mark);
        }
        ref long fund = ref _balance[FundAccount * _na];
        if (part % _pp == 0)
        {
            for (int a = 1; a < _assetCount; a++)
            {
                long units = _balance[acct * _na + a];
                if (units == 0) continue;
                long value = _assetValue[acct * _na + a];
                fund -= value;
                _balance[acct * _na] += value;
                SetAssetBalance(acct, a, 0);
                SetAssetBalance(FundAccount, a, _balance[FundAccount * _na + a] + units);
            }
        }
        ref long cash = ref Cash(part);
        long deficit = -cash;
        ref var e = ref AddPartEvent(EventKind.Takeover, part);
        e.Amount = deficit;
        Counters.Takeovers++;
        long shortfall = deficit - Math.Max(0, fund);
        for (int k = 0; k < n && shortfall > 0; k++)
            shortfall = AutoDeleverage(taken[k], takenQty[k], takenPrice[k], shortfall);
        fund -= deficit;
        cash = 0;
        Touch(part);
    }

    /// <summary>
    /// Closes up to the needed part of a taken-over position q (now the fund's) against opposite-side
    /// profitable parts at the bankruptcy price, highest ADL score first (§6.5, §8); returns the
    /// shortfall left.
    /// </summary>
    private long AutoDeleverage(int instr, long q, long price, long shortfall)
    {
        var ins = _instruments[instr];
        long gainPerLot = Math.Abs(price - ins.MarkTicks) * ins.TickValue;
        if (gainPerLot == 0) return shortfall;
        long lots = Math.Min(Math.Abs(q), (shortfall + gainPerLot - 1) / gainPerLot);
        long dir = q > 0 ? 1 : -1; // the side of the trade applied to the candidate (q long: candidates buy back)
        while (lots > 0 && shortfall > 0)
        {
            int j = BestAdlCandidate(instr, -dir);
            if (j < 0) break;
            var t = _tables[instr];
            int acct = t.Account[j];
            long take = Math.Min(lots, Math.Abs(t.Qty[j]));
            ApplyTrade(acct, instr, dir * take, price);
            ApplyTrade(FundAccount, instr, -dir * take, price);
            ref var e = ref Events.Add(EventKind.Adl);
            e.Account = _accountId[acct]; e.Instrument = instr; e.Side = (Side)dir; e.Qty = take; e.Price = price;
            Counters.AdlTrades++;
            AfterIsolatedChange(acct, instr);
            lots -= take;
            shortfall -= take * gainPerLot;
        }
        return shortfall;
    }

    /// <summary>
    /// The slot of the best ADL candidate holding <paramref name="sign"/>: uPnL &gt; 0 and its part's
    /// E &gt; 0; score = uPnL/|basis| × notional/E compared exactly (256-bit cross products); ties to
    /// the lower account id. −1 if none.
    /// </summary>
    private int BestAdlCandidate(int instr, long sign)
    {
        var t = _tables[instr];
        int best = -1;
        UInt128 bestNum = 0, bestDen = 1;
        for (int j = 0, n = t.Count; j < n; j++)
        {
            long q = t.Qty[j];
            int acct = t.Account[j];
            if (acct == FundAccount || q == 0 || (q > 0 ? 1 : -1) != sign) continue;
            if (t.MarkAt[j] != _instruments[instr].MarkTicks) RevalueSlot(instr, j);
            long upnl = t.Upnl[j];
            if (upnl <= 0) continue;
            long equity = Equity(t.Part[j]);
            if (equity <= 0) continue;
            long notional = _instruments[instr].Notional(q, _instruments[instr].MarkTicks);
            UInt128 num = (UInt128)(ulong)upnl * (ulong)notional;
            UInt128 den = (UInt128)(ulong)Math.Max(1, Math.Abs(t.Basis[j])) * (ulong)equity;
            if (best < 0) { best = j; bestNum = num; bestDen = den; continue; }
            int cmp = WideMath.CompareFractions(num, den, bestNum, bestDen);
            if (cmp > 0 || (cmp == 0 && _accountId[acct] < _accountId[t.Account[best]]))
            {
                best = j; bestNum = num; bestDen = den;
            }
        }
        return best;
    }
}
