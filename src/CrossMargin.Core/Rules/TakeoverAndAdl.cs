using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// The ranking rule of auto-deleveraging (risk-model §6.5, §8): which opposite-side holder a
/// taken-over position is closed against first. The takeover itself, which moves positions and
/// money, is applied by the engine.
/// </summary>
internal static class TakeoverAndAdl
{
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
