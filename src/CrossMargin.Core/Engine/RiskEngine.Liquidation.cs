using CrossMargin.Core.Rules;
using CrossMargin.Core.Trigger;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Engine;

// Liquidation (risk-model §6, §8): partial rounds at the bankruptcy price, takeover by the
// insurance fund, and ranked auto-deleveraging. Nothing here allocates: position lists live in
// stack buffers bounded by the instrument capacity.
public sealed partial class RiskEngine
{
    /// <summary>One partial-liquidation round (§6.2): the orders <see cref="LiquidationPlanner"/> plans, issued in its order.</summary>
    private void LiquidationRound(int part)
    {
        int acct = _accounts.AccountOfPart(part);
        Span<int> instruments = stackalloc int[_market.InstrumentCount];
        Span<long> positions = stackalloc long[_market.InstrumentCount];
        Span<long> lots = stackalloc long[_market.InstrumentCount];
        Span<long> prices = stackalloc long[_market.InstrumentCount];
        int n = LiquidationPlanner.PlanRound(_market, _accounts, Trigger == TriggerMode.Index, part, Config.LiquidationBufferPpm,
            instruments, positions, lots, prices);
        for (int k = 0; k < n; k++) IssueLiquidationOrder(part, acct, instruments[k], positions[k], lots[k], prices[k]);
    }

    private void IssueLiquidationOrder(int part, int acct, int instr, long q, long lots, long price)
    {
        int li = acct * _ni + instr;
        sbyte side = (sbyte)(q > 0 ? Side.Sell : Side.Buy);
        if (_accounts.LiqRemaining[li] == 0) _accounts.LiqOpen[part]++;
        _accounts.LiqRemaining[li] = lots; _accounts.LiqSide[li] = side; _accounts.LiqPrice[li] = price;
        ref var e = ref Events.Add(EventKind.LiquidationOrder);
        e.Account = _accounts.Rows[acct].Id; e.Instrument = instr; e.Side = (Side)side; e.Qty = lots; e.Price = price;
        Counters.LiquidationOrders++;
    }

    /// <summary>When a part leaves liquidating its liquidation orders lapse (IOC) without an event (§8).</summary>
    private void LapseLiquidationOrders(int part)
    {
        if (_accounts.LiqOpen[part] == 0) return;
        int acct = _accounts.AccountOfPart(part);
        for (int i = 0; i < _market.InstrumentCount; i++)
            if (_accounts.PartOf(acct, i) == part) _accounts.LiqRemaining[acct * _ni + i] = 0;
        _accounts.LiqOpen[part] = 0;
    }

    /// <summary>
    /// Takeover of a bankrupt part (§6.4, §8): positions to the fund at mark, non-settlement
    /// collateral to the fund at haircut value, `takeover` with the deficit, ADL for what the fund
    /// cannot cover, then the fund pays the deficit and the part is flat with zero balances.
    /// </summary>
    private void Takeover(int part)
    {
        int acct = _accounts.AccountOfPart(part);
        long equity = Equity(part);
        Span<int> taken = stackalloc int[_market.InstrumentCount];
        Span<long> takenQty = stackalloc long[_market.InstrumentCount];
        Span<long> takenPrice = stackalloc long[_market.InstrumentCount];
        int n = LiquidationPlanner.PositionsByMaintenance(_market, _accounts, Trigger == TriggerMode.Index, part, taken); // ADL order: largest MM_j first
        for (int k = 0; k < n; k++)
        {
            int instr = taken[k];
            long q = _accounts.Position(acct, instr).Qty;
            takenQty[k] = q;
            takenPrice[k] = LiquidationPlanner.BankruptcyPrice(_market.Instruments[instr], q, equity);
            long mark = _market.Instruments[instr].MarkTicks;
            ApplyTrade(acct, instr, -q, mark);
            ApplyTrade(FundAccount, instr, q, mark);
        }
        ref long fund = ref _accounts.Rows[FundAccount].Cash;
        if (part % _pp == 0)
        {
            for (int a = 1; a < _market.AssetCount; a++)
            {
                long units = _accounts.Balance(acct, a);
                if (units == 0) continue;
                long value = _accounts.AssetValue[acct * _na + a];
                fund -= value;
                _accounts.Rows[acct].Cash += value;
                SetAssetBalance(acct, a, 0);
                SetAssetBalance(FundAccount, a, _accounts.Balance(FundAccount, a) + units);
            }
        }
        ref long cash = ref _accounts.Cash(part);
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
        var ins = _market.Instruments[instr];
        long gainPerLot = Math.Abs(price - ins.MarkTicks) * ins.TickValue;
        if (gainPerLot == 0) return shortfall;
        long lots = Math.Min(Math.Abs(q), (shortfall + gainPerLot - 1) / gainPerLot);
        long dir = q > 0 ? 1 : -1; // the side of the trade applied to the candidate (q long: candidates buy back)
        while (lots > 0 && shortfall > 0)
        {
            int j = TakeoverAndAdl.BestCandidate(_market, _accounts, Trigger == TriggerMode.Index, instr, -dir);
            if (j < 0) break;
            var t = _market.Positions[instr];
            int acct = t.Account[j];
            long take = Math.Min(lots, Math.Abs(_accounts.Position(acct, instr).Qty));
            ApplyTrade(acct, instr, dir * take, price);
            ApplyTrade(FundAccount, instr, -dir * take, price);
            ref var e = ref Events.Add(EventKind.Adl);
            e.Account = _accounts.Rows[acct].Id; e.Instrument = instr; e.Side = (Side)dir; e.Qty = take; e.Price = price;
            Counters.AdlTrades++;
            AfterIsolatedChange(acct, instr);
            lots -= take;
            shortfall -= take * gainPerLot;
        }
        return shortfall;
    }
}
