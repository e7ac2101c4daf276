using CrossMargin.Core.Kernels;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Instrument aggregates, index mode's bands for inspection, and the look-ahead prefetch (the ticks
// themselves are Trigger/PriceTicks, the bands Trigger/PartBands).
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

    // ---------------------------------------------------------------- look-ahead prefetch (issue 8, item 4)

    /// <summary>
    /// Stage 1 of the look-ahead: hints the CPU to load the account-index slot of an input that is a
    /// few inputs ahead in the batch (no dependent load, never blocks). Call it about twice as far
    /// ahead as <see cref="Prefetch"/>.
    /// </summary>
    public void PrefetchLookup(in RiskInput input)
    {
        if (input.Kind is InputKind.Order or InputKind.Cancel or InputKind.Fill or InputKind.Withdraw or InputKind.Deposit or InputKind.Query)
            _accounts.Index.PrefetchSlot(input.Account);
    }

    /// <summary>
    /// Stage 2 of the look-ahead: resolves the account of an input a few inputs ahead in the batch and
    /// hints the CPU to load every cache line its check will read (balances, cross sums, health, open
    /// orders, the position slot and its holder-table rows). Changes no state; a hint only, so an
    /// input that changes before it is processed is still handled exactly.
    /// </summary>
    public void Prefetch(in RiskInput input)
    {
        if (!CacheHint.Supported) return;
        if (input.Kind is not (InputKind.Order or InputKind.Cancel or InputKind.Fill or InputKind.Withdraw or InputKind.Deposit or InputKind.Query)) return;
        if (!_accounts.Index.TryGetValue(input.Account, out int acct)) return;
        CacheHint.Load(ref _accounts.Balance[acct * _na]);
        CacheHint.Load(ref _accounts.CollateralValue[acct]);
        CacheHint.Load(ref _accounts.CrossUpnl[acct]); CacheHint.Load(ref _accounts.CrossIm[acct]); CacheHint.Load(ref _accounts.CrossMm[acct]); CacheHint.Load(ref _accounts.CrossOpenLoss[acct]);
        CacheHint.Load(ref _accounts.CrossPositions[acct]); CacheHint.Load(ref _orders.Count[acct]); CacheHint.Load(ref _accounts.Halted[acct]);
        CacheHint.Load(ref _accounts.Health[acct * _pp]);
        CacheHint.Load(ref _orders.Id[acct * _orders.PerAccount]);
        int instr = input.Instrument;
        if ((uint)instr >= (uint)_market.InstrumentCount) return;
        CacheHint.Load(ref _accounts.IsolatedMode[acct * _ni + instr]);
        int j = _accounts.PositionSlot[acct * _ni + instr];
        if (j < 0) return;
        var t = _market.Positions[instr];
        CacheHint.Load(ref t.Qty[j]); CacheHint.Load(ref t.Basis[j]); CacheHint.Load(ref t.Buy[j]); CacheHint.Load(ref t.Sell[j]);
        CacheHint.Load(ref t.Im[j]); CacheHint.Load(ref t.Upnl[j]); CacheHint.Load(ref t.Mm[j]); CacheHint.Load(ref t.MarkAt[j]); CacheHint.Load(ref t.Part[j]);
    }
}
