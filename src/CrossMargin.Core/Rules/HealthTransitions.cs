using CrossMargin.Core.Engine;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Settlement after every input (risk-model §4): <see cref="Settlement"/> orders the touched parts
/// (ascending account id, cross before isolated, passes until one changes nothing); a part whose
/// state changed emits <c>health</c> and its consequences run to completion before the next part —
/// cancel_all and a liquidation round on entering liquidating (§6.1–§6.2), takeover and ADL on
/// bankruptcy (§6.4), a new round after a liquidation fill (§6.3).
/// </summary>
internal sealed class HealthTransitions(MarketTable market, AccountTable accounts, Settlement settlement, EventWriter events,
    OrderEntry entry, LiquidationOrders liquidation, TakeoverAndAdl takeover, bool refresh)
{
    /// <summary>Visits every touched part in order, in passes, until a pass changes nothing.</summary>
    public void Settle()
    {
        var s = settlement;
        s.Begin();
        while (s.TouchedCount > 0)
        {
            s.BeginPass();
            for (int k = 0, n = s.TouchedCount; k < n; k++)
            {
                // A crash touches thousands of parts scattered over memory: fetch ahead what Evaluate reads.
                if (k + 16 < n) accounts.PrefetchPartRows(s.TouchedAt(k + 16));
                if (k + 8 < n) accounts.PrefetchPartSlots(s.TouchedAt(k + 8));
                int p = s.TakeTouched(k);
                if (!s.IsQueued(p) && (accounts.RoundDue[p] || Evaluate(p) != accounts.Health(p))) s.Queue(p);
            }
            s.ClearTouched();
            s.SealPass();
            while (s.TryNext(out int p))
            {
                // Visits go in account-id order, not memory order: fetch the coming parts' lines while this one runs
                // (rows four ahead, then their slots and liquidation lines two ahead).
                int next = s.QueuedAt(3);
                if (next >= 0) accounts.PrefetchPartRows(next);
                if ((next = s.QueuedAt(1)) >= 0) { accounts.PrefetchPartSlots(next); accounts.PrefetchPartLiquidation(next); }
                Visit(p);
            }
        }
        s.End();
    }

    private HealthState Evaluate(int part) => HealthClassifier.Evaluate(market, accounts, refresh, part);

    private void Visit(int part)
    {
        var now = Evaluate(part);
        var was = accounts.Health(part);
        if (now == was)
        {
            if (now == HealthState.Liquidating && accounts.RoundDue[part] && accounts.LiqOpen[part] == 0)
            {
                accounts.RoundDue[part] = false;
                liquidation.Round(part);
            }
            accounts.RoundDue[part] = false;
            return;
        }
        HealthClassifier.Figures(market, accounts, refresh, part, out long e, out long im, out long mm, out _);
        events.Health(part, was, now, e, im, mm);
        accounts.Health(part) = now;
        accounts.RoundDue[part] = false;
        if (was == HealthState.Liquidating) liquidation.Lapse(part);
        switch (now)
        {
            case HealthState.Liquidating:
                entry.CancelAll(part);
                liquidation.Round(part);
                break;
            case HealthState.Bankrupt:
                entry.CancelAll(part);
                liquidation.Lapse(part);
                takeover.Takeover(part);
                var after = Evaluate(part);
                HealthClassifier.Figures(market, accounts, refresh, part, out e, out im, out mm, out _);
                events.Health(part, HealthState.Bankrupt, after, e, im, mm);
                accounts.Health(part) = after;
                break;
        }
    }
}
