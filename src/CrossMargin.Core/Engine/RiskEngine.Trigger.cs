using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Index mode (issue 8): a mark tick pops only the holder slots whose safe band the new price left;
// every other cache may be stale and is refreshed exactly when read (Figures, order checks, ADL,
// snapshots). After every input the parts it touched get new bands (SafeBand).
public sealed partial class RiskEngine
{
    private readonly int[] _reband;
    private readonly bool[] _rebandFlag;
    private int _rebandCount;

    internal void RefreshAccount(int acct) => SlotValuation.RefreshAccount(_market, _accounts, acct);

    /// <summary>The mark left these slots' bands: their parts are re-evaluated exactly by the settlement that follows.</summary>
    private void PopBands(int instr, long price)
    {
        var bands = _market.Bands[instr];
        var parts = _market.Positions[instr].Part;
        int n = bands.PopOutside(price);
        Counters.TriggerPops += n;
        foreach (int j in bands.Popped(n)) Touch(parts[j]);
    }

    private void RebandTouched()
    {
        for (int k = 0, n = _rebandCount; k < n; k++)
        {
            // A crash re-bands thousands of parts scattered over memory: the same two-stage look-ahead as the settlement.
            if (k + 16 < n) PrefetchPartRows(_reband[k + 16]);
            if (k + 8 < n) PrefetchPartSlots(_reband[k + 8]);
            int part = _reband[k];
            _rebandFlag[part] = false;
            PartBands.Reband(_market, _accounts, part);
        }
        _rebandCount = 0;
    }

    // ---------------------------------------------------------------- instrument aggregates (O(1) per tick)

    /// <summary>Open interest of an instrument: Σ long lots over every holder (the fund included), lots.</summary>
    public long OpenInterest(int instrument) => _market.Positions[instrument].LongLots;

    /// <summary>Σ uPnL over every holder of an instrument at the current mark, micro-units (128-bit: no bound on holders).</summary>
    public Int128 TotalUpnl(int instrument)
    {
        var ins = _market.Instruments[instrument];
        var t = _market.Positions[instrument];
        return t.SumQty * ins.MarkTicks * ins.TickValue - t.SumBasis;
    }

    /// <summary>Index mode: the safe band of (account, instrument), or null when it has none (scan mode, no slot, or unbounded).</summary>
    public (long Lo, long Hi)? BandOf(long accountId, int instrument)
    {
        if (Trigger != TriggerMode.Index || !_accounts.Index.TryGetValue(accountId, out int acct)) return null;
        int j = _accounts.PositionSlot[acct * _ni + instrument];
        return j >= 0 && _market.Bands[instrument].IsBanded(j) ? _market.Bands[instrument].BandOf(j) : null;
    }
}
