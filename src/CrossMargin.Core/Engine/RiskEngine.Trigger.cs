using CrossMargin.Core.Kernels;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Instrument aggregates and index mode's bands for inspection (the ticks themselves are
// Trigger/PriceTicks, the bands Trigger/PartBands, the look-ahead prefetch RiskEngine.Prefetch).
public sealed partial class RiskEngine
{
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

    /// <summary>Index mode: the safe band of an account's index price of a collateral asset (micro-units per whole), or null when it has none (scan mode, no balance, or unbounded).</summary>
    public (long Lo, long Hi)? AssetBandOf(long accountId, int asset)
    {
        if (Trigger != TriggerMode.Index || asset <= 0 || asset >= _market.AssetCount || !_accounts.Index.TryGetValue(accountId, out int acct)) return null;
        int pos = _accounts.AssetHolderPos[acct * _na + asset];
        return pos >= 0 && _market.AssetBands[asset].IsBanded(pos) ? _market.AssetBands[asset].BandOf(pos) : null;
    }
}
