using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Index mode (issue 8): a mark tick pops only the holder slots whose safe band the new price left, an
// index tick only the collateral holders whose asset band it left;
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

    /// <summary>The index price left these holders' asset bands: their cross parts are re-evaluated exactly (their haircut values refresh when read).</summary>
    private void PopAssetBands(int asset, long price)
    {
        var bands = _market.AssetBands[asset];
        int[] holders = _market.AssetHolders[asset];
        int n = bands.PopOutside(price);
        Counters.TriggerPops += n;
        foreach (int pos in bands.Popped(n)) Touch(_accounts.CrossPart(holders[pos]));
    }

    private void RebandTouched()
    {
        for (int k = 0; k < _rebandCount; k++)
        {
            int part = _reband[k];
            _rebandFlag[part] = false;
            PartBands.Reband(_market, _accounts, part);
        }
        _rebandCount = 0;
    }

    /// <summary>Index mode: the safe band of an account's index price of a collateral asset (micro-units per whole), or null when it has none (scan mode, no balance, or unbounded).</summary>
    public (long Lo, long Hi)? AssetBandOf(long accountId, int asset)
    {
        if (Trigger != TriggerMode.Index || asset <= 0 || asset >= _market.AssetCount || !_accounts.Index.TryGetValue(accountId, out int acct)) return null;
        int pos = _accounts.AssetHolderPos[acct * _na + asset];
        return pos >= 0 && _market.AssetBands[asset].IsBanded(pos) ? _market.AssetBands[asset].BandOf(pos) : null;
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
    public unsafe void Prefetch(in RiskInput input)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        if (input.Kind is not (InputKind.Order or InputKind.Cancel or InputKind.Fill or InputKind.Withdraw or InputKind.Deposit or InputKind.Query)) return;
        if (!_accounts.Index.TryGetValue(input.Account, out int acct)) return;
        Hint(ref _accounts.Balance[acct * _na]);
        Hint(ref _accounts.CollateralValue[acct]);
        Hint(ref _accounts.CrossUpnl[acct]); Hint(ref _accounts.CrossIm[acct]); Hint(ref _accounts.CrossMm[acct]); Hint(ref _accounts.CrossOpenLoss[acct]);
        Hint(ref _accounts.CrossPositions[acct]); Hint(ref _orders.Count[acct]); Hint(ref _accounts.Halted[acct]);
        Hint(ref _accounts.Health[acct * _pp]);
        Hint(ref _orders.Id[acct * _no]);
        int instr = input.Instrument;
        if ((uint)instr >= (uint)_market.InstrumentCount) return;
        Hint(ref _accounts.IsolatedMode[acct * _ni + instr]);
        int j = _accounts.PositionSlot[acct * _ni + instr];
        if (j < 0) return;
        var t = _market.Positions[instr];
        Hint(ref t.Qty[j]); Hint(ref t.Basis[j]); Hint(ref t.Buy[j]); Hint(ref t.Sell[j]);
        Hint(ref t.Im[j]); Hint(ref t.Upnl[j]); Hint(ref t.Mm[j]); Hint(ref t.MarkAt[j]); Hint(ref t.Part[j]);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Hint<T>(ref T at) where T : unmanaged =>
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref at));

    /// <summary>Look-ahead stage 1 for a part about to be evaluated: its account's sums and slot row.</summary>
    private unsafe void PrefetchPartRows(int part)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        int acct = part / _pp;
        Hint(ref _accounts.Balance[acct * _na]); Hint(ref _accounts.CollateralValue[acct]);
        Hint(ref _accounts.CrossUpnl[acct]); Hint(ref _accounts.CrossIm[acct]); Hint(ref _accounts.CrossMm[acct]); Hint(ref _accounts.CrossOpenLoss[acct]);
        Hint(ref _accounts.CrossPositions[acct]); Hint(ref _accounts.Health[part]); Hint(ref _accounts.PositionSlot[acct * _ni]);
    }

    /// <summary>Look-ahead stage 2: the holder-table rows of the part's slots (their index is in cache after stage 1).</summary>
    private unsafe void PrefetchPartSlots(int part)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        int acct = part / _pp, row = acct * _ni;
        for (int i = 0; i < _market.InstrumentCount; i++)
        {
            int j = _accounts.PositionSlot[row + i];
            if (j < 0) continue;
            var t = _market.Positions[i];
            Hint(ref t.Qty[j]); Hint(ref t.Basis[j]); Hint(ref t.Buy[j]); Hint(ref t.Sell[j]);
            Hint(ref t.Upnl[j]); Hint(ref t.Im[j]); Hint(ref t.Mm[j]); Hint(ref t.MarkAt[j]); Hint(ref t.Part[j]); Hint(ref t.OpenLoss[j]);
        }
    }
}
