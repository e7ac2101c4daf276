using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Takeover by the insurance fund and ranked auto-deleveraging (risk-model §6.4–§6.5, §8): a bankrupt
/// part's positions go to the fund at mark and its collateral at haircut value, the fund pays the
/// deficit, and what the fund cannot cover is recovered by closing the taken-over positions against
/// the best-ranked opposite-side profitable parts at the bankruptcy price. Position lists live in
/// stack buffers bounded by the instrument capacity: nothing allocates.
/// </summary>
internal sealed class TakeoverAndAdl(MarketTable market, AccountTable accounts, Ledger ledger, Settlement settlement,
    EventWriter events, CollateralMoves collateral, EngineCounters counters, bool refresh)
{
    private readonly int _ni = accounts.InstrumentStride, _na = accounts.AssetStride, _pp = accounts.PartStride;

    /// <summary>
    /// Takeover of a bankrupt part (§6.4, §8): positions to the fund at mark, non-settlement
    /// collateral to the fund at haircut value, `takeover` with the deficit, ADL for what the fund
    /// cannot cover, then the fund pays the deficit and the part is flat with zero balances.
    /// </summary>
    public void Takeover(int part)
    {
        int acct = accounts.AccountOfPart(part);
        long equity = HealthClassifier.Equity(market, accounts, refresh, part);
        Span<int> taken = stackalloc int[market.InstrumentCount];
        Span<long> takenQty = stackalloc long[market.InstrumentCount];
        Span<long> takenPrice = stackalloc long[market.InstrumentCount];
        int n = LiquidationPlanner.PositionsByMaintenance(market, accounts, refresh, part, taken); // ADL order: largest MM_j first
        for (int k = 0; k < n; k++)
        {
            int instr = taken[k];
            long q = accounts.Position(acct, instr).Qty;
            takenQty[k] = q;
            takenPrice[k] = LiquidationPlanner.BankruptcyPrice(market.Instruments[instr], q, equity);
            long mark = market.Instruments[instr].MarkTicks;
            settlement.Touch(TradeApplier.Apply(market, accounts, ledger, acct, instr, -q, mark));
            settlement.Touch(TradeApplier.Apply(market, accounts, ledger, AccountTable.Fund, instr, q, mark));
        }
        ref long fund = ref accounts.Rows[AccountTable.Fund].Cash;
        if (part % _pp == 0)
        {
            for (int a = 1; a < market.AssetCount; a++)
            {
                long units = accounts.Balance(acct, a);
                if (units == 0) continue;
                long value = accounts.AssetValue[acct * _na + a];
                fund -= value;
                accounts.Rows[acct].Cash += value;
                collateral.SetAssetBalance(acct, a, 0);
                collateral.SetAssetBalance(AccountTable.Fund, a, accounts.Balance(AccountTable.Fund, a) + units);
            }
        }
        ref long cash = ref accounts.Cash(part);
        long deficit = -cash;
        events.Takeover(part, deficit);
        counters.Takeovers++;
        long shortfall = deficit - Math.Max(0, fund);
        for (int k = 0; k < n && shortfall > 0; k++)
            shortfall = AutoDeleverage(taken[k], takenQty[k], takenPrice[k], shortfall);
        fund -= deficit;
        cash = 0;
        settlement.Touch(part);
    }

    /// <summary>
    /// Closes up to the needed part of a taken-over position q (now the fund's) against opposite-side
    /// profitable parts at the bankruptcy price, highest ADL score first (§6.5, §8); returns the
    /// shortfall left.
    /// </summary>
    private long AutoDeleverage(int instr, long q, long price, long shortfall)
    {
        var ins = market.Instruments[instr];
        long gainPerLot = Math.Abs(price - ins.MarkTicks) * ins.TickValue;
        if (gainPerLot == 0) return shortfall;
        long lots = Math.Min(Math.Abs(q), (shortfall + gainPerLot - 1) / gainPerLot);
        long dir = q > 0 ? 1 : -1; // the side of the trade applied to the candidate (q long: candidates buy back)
        while (lots > 0 && shortfall > 0)
        {
            int j = BestCandidate(market, accounts, refresh, instr, -dir);
            if (j < 0) break;
            var t = market.Positions[instr];
            int acct = t.Account[j];
            long take = Math.Min(lots, Math.Abs(accounts.Position(acct, instr).Qty));
            settlement.Touch(TradeApplier.Apply(market, accounts, ledger, acct, instr, dir * take, price));
            settlement.Touch(TradeApplier.Apply(market, accounts, ledger, AccountTable.Fund, instr, -dir * take, price));
            events.Adl(acct, instr, (Side)dir, take, price);
            counters.AdlTrades++;
            collateral.AfterIsolatedChange(acct, instr);
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
    public static int BestCandidate(MarketTable market, AccountTable accounts, bool refresh, int instr, long sign)
    {
        var t = market.Positions[instr];
        var ins = market.Instruments[instr];
        int best = -1;
        UInt128 bestNum = 0, bestDen = 1;
        int ni = accounts.InstrumentStride;
        for (int j = 0, n = t.Count; j < n; j++)
        {
            int acct = t.Account[j];
            ref var p = ref accounts.Positions[acct * ni + instr];
            long q = p.Qty;
            if (acct == AccountTable.Fund || q == 0 || (q > 0 ? 1 : -1) != sign) continue;
            if (p.MarkAt != ins.MarkTicks) SlotValuation.Revalue(market, accounts, acct, instr);
            long upnl = p.Upnl;
            if (upnl <= 0) continue;
            HealthClassifier.Figures(market, accounts, refresh, t.Part[j], out long equity, out _, out _, out _);
            if (equity <= 0) continue;
            long notional = ins.Notional(q, ins.MarkTicks);
            UInt128 num = (UInt128)(ulong)upnl * (ulong)notional;
            UInt128 den = (UInt128)(ulong)Math.Max(1, Math.Abs(p.Basis)) * (ulong)equity;
            if (best < 0) { best = j; bestNum = num; bestDen = den; continue; }
            int cmp = WideMath.CompareFractions(num, den, bestNum, bestDen);
            if (cmp > 0 || (cmp == 0 && accounts.Rows[acct].Id < accounts.Rows[t.Account[best]].Id))
            {
                best = j; bestNum = num; bestDen = den;
            }
        }
        return best;
    }
}
