using System.Runtime.CompilerServices;
using CrossMargin.Core.Rules;

namespace CrossMargin.Core.Engine;

// Settlement after every input (risk-model §4): Rules/Settlement orders the touched parts (ascending
// account id, cross before isolated, passes until one changes nothing); a part whose state changed
// emits `health` and its consequences run to completion before the next part.
public sealed partial class RiskEngine
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Touch(int part)
    {
        if (part < _pp) return; // the insurance fund is never settled
        if (_rebandFlag.Length != 0 && !_rebandFlag[part]) { _rebandFlag[part] = true; _reband[_rebandCount++] = part; }
        _settlement.Touch(part);
    }

    private void Settle()
    {
        var s = _settlement;
        s.Begin();
        while (s.TouchedCount > 0)
        {
            s.BeginPass();
            for (int k = 0, n = s.TouchedCount; k < n; k++)
            {
                // A crash touches thousands of parts scattered over memory: fetch ahead what Evaluate reads.
                if (k + 16 < n) PrefetchPartRows(s.TouchedAt(k + 16));
                if (k + 8 < n) PrefetchPartSlots(s.TouchedAt(k + 8));
                int p = s.TakeTouched(k);
                if (!s.IsQueued(p) && (_accounts.RoundDue[p] || Evaluate(p) != _accounts.Health(p))) s.Queue(p);
            }
            s.ClearTouched();
            s.SealPass();
            while (s.TryNext(out int p))
            {
                // Visits go in account-id order, not memory order: fetch the coming parts' lines while this one runs
                // (rows four ahead, then their slots and liquidation lines two ahead).
                int next = s.QueuedAt(3);
                if (next >= 0) PrefetchPartRows(next);
                if ((next = s.QueuedAt(1)) >= 0) { PrefetchPartSlots(next); PrefetchPartLiquidation(next); }
                Visit(p);
            }
        }
        s.End();
    }

    private void Visit(int part)
    {
        var now = Evaluate(part);
        var was = _accounts.Health(part);
        if (now == was)
        {
            if (now == HealthState.Liquidating && _accounts.RoundDue[part] && _accounts.LiqOpen[part] == 0)
            {
                _accounts.RoundDue[part] = false;
                LiquidationRound(part);
            }
            _accounts.RoundDue[part] = false;
            return;
        }
        ref var e = ref AddPartEvent(EventKind.Health, part);
        e.From = was; e.To = now;
        Figures(part, out e.Equity, out e.Im, out e.Mm, out _);
        _accounts.Health(part) = now;
        _accounts.RoundDue[part] = false;
        if (was == HealthState.Liquidating) LapseLiquidationOrders(part);
        switch (now)
        {
            case HealthState.Liquidating:
                CancelAll(part);
                LiquidationRound(part);
                break;
            case HealthState.Bankrupt:
                CancelAll(part);
                LapseLiquidationOrders(part);
                Takeover(part);
                var after = Evaluate(part);
                ref var back = ref AddPartEvent(EventKind.Health, part);
                back.From = HealthState.Bankrupt; back.To = after;
                Figures(part, out back.Equity, out back.Im, out back.Mm, out _);
                _accounts.Health(part) = after;
                break;
        }
    }
}
