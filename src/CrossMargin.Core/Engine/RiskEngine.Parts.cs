using System.Runtime.CompilerServices;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;
using CrossMargin.Core.State;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Margin parts: equity, requirements, health evaluation, and the one place positions change.
public sealed partial class RiskEngine
{
    /// <summary>E = CV + Σ uPnL of the part (§2).</summary>
    private long Equity(int part) { Figures(part, out long e, out _, out _, out _); return e; }

    /// <summary>IMreq = Σ IM_j + Σ open loss (§3).</summary>
    private long InitialRequirement(int part) { Figures(part, out _, out long im, out _, out _); return im; }

    /// <summary>MMreq = Σ MM_j (§3).</summary>
    private long MaintenanceRequirement(int part) { Figures(part, out _, out _, out long mm, out _); return mm; }

    /// <summary>E, IMreq, MMreq and whether the part holds a position (exact: index mode refreshes stale slots first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Figures(int part, out long equity, out long im, out long mm, out bool hasPosition) =>
        HealthClassifier.Figures(_market, _accounts, Trigger == TriggerMode.Index, part, out equity, out im, out mm, out hasPosition);

    /// <summary>The health a part has now, in the priority order of §4.</summary>
    internal HealthState Evaluate(int part) => HealthClassifier.Evaluate(_market, _accounts, Trigger == TriggerMode.Index, part);

    /// <summary>Whether the part would be healthy with <paramref name="equity"/> instead of its own E (withdrawals, isolate).</summary>
    private bool HealthyWith(int part, long equity)
    {
        Figures(part, out _, out long im, out long mm, out bool hasPosition);
        return HealthClassifier.Classify(equity, im, mm, hasPosition) == HealthState.Healthy;
    }

    /// <summary>True when slot j of an instrument table belongs to its account's cross part (a multiply, not a modulo).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsCrossSlot(PositionTable t, int j) => t.Part[j] == t.Account[j] * _pp;

    /// <summary>Open orders of an account on one instrument.</summary>
    private bool HasOrdersOn(int acct, int instr)
    {
        int j = _accounts.PositionSlot[acct * _ni + instr];
        return j >= 0 && (_market.Positions[instr].Buy[j] != 0 || _market.Positions[instr].Sell[j] != 0);
    }

    // ---------------------------------------------------------------- position slots

    /// <summary>The slot of (account, instrument), created empty if absent; −1 when the table is full.</summary>
    private int EnsureSlot(int acct, int instr)
    {
        ref int slot = ref _accounts.PositionSlot[acct * _ni + instr];
        if (slot >= 0) return slot;
        slot = _market.Positions[instr].Add(acct, acct == FundAccount ? _accounts.CrossPart(acct) : _accounts.PartOf(acct, instr));
        return slot;
    }

    /// <summary>True when (account, instrument) has a slot or the table has room for one.</summary>
    private bool CanHold(int acct, int instr) =>
        _accounts.PositionSlot[acct * _ni + instr] >= 0 || _market.Positions[instr].Count < _market.Positions[instr].Capacity;

    private void RemoveSlotIfEmpty(int acct, int instr)
    {
        ref int slot = ref _accounts.PositionSlot[acct * _ni + instr];
        int j = slot;
        if (j < 0) return;
        var t = _market.Positions[instr];
        if (t.Qty[j] != 0 || t.Buy[j] != 0 || t.Sell[j] != 0) return;
        // An empty slot contributes nothing: its cached values are already zero.
        slot = -1;
        var bands = _market.Bands[instr];
        bands?.Clear(j);
        int last = t.Count - 1;
        int moved = t.RemoveAt(j);
        if (moved >= 0)
        {
            _accounts.PositionSlot[moved * _ni + instr] = j;
            bands?.Move(last, j);
        }
    }

    /// <summary>
    /// Recomputes slot j's cached uPnL / IM / MM at the current mark (the scalar twin of the
    /// revaluation kernel) and carries the deltas into its cross sums; touches the part.
    /// </summary>
    private void Revalue(int instr, int j)
    {
        SlotValuation.Revalue(_market, _accounts, instr, j);
        Touch(_market.Positions[instr].Part[j]);
    }

    private void AddOpenLoss(int instr, int j, long delta)
    {
        var t = _market.Positions[instr];
        t.OpenLoss[j] += delta;
        if (IsCrossSlot(t, j)) _accounts.CrossOpenLoss[t.Account[j]] += delta;
    }

    /// <summary>
    /// Applies a trade of <paramref name="signedLots"/> at <paramref name="priceTicks"/> to
    /// (account, instrument) with the fill rule of §5 (increase: basis grows; reduce: release
    /// basis × r / |q| truncated toward zero, all of it on a full close; a flip closes fully then
    /// opens). The realized amount moves between the part's cash and the clearing account.
    /// The caller has checked capacity (<see cref="CanHold"/>).
    /// </summary>
    private void ApplyTrade(int acct, int instr, long signedLots, long priceTicks)
    {
        var ins = _market.Instruments[instr];
        var t = _market.Positions[instr];
        int j = EnsureSlot(acct, instr);
        long q = t.Qty[j];
        long basis = t.Basis[j];
        long realized = TradeApplier.Outcome(q, basis, signedLots, priceTicks, ins.TickValue, out t.Qty[j], out t.Basis[j]);
        t.SumQty += t.Qty[j] - q;
        t.SumBasis += t.Basis[j] - basis;
        t.LongLots += Math.Max(0, t.Qty[j]) - Math.Max(0, q);
        int part = t.Part[j];
        _accounts.Cash(part) += realized;
        _ledger.Clearing[0] -= realized;
        if (part % _pp == 0)
        {
            if (q == 0 && t.Qty[j] != 0) _accounts.CrossPositions[acct]++;
            else if (q != 0 && t.Qty[j] == 0) _accounts.CrossPositions[acct]--;
        }
        Revalue(instr, j);
        RemoveSlotIfEmpty(acct, instr);
    }

    /// <summary>
    /// After a trade or cancel on an isolated (account, instrument): a flat part with negative
    /// margin has its deficit paid by the fund at once (§7, a takeover event before any health
    /// event); a flat part with no open order returns its margin to the settlement balance.
    /// </summary>
    private void AfterIsolatedChange(int acct, int instr)
    {
        if (acct == FundAccount || !_accounts.IsolatedMode[acct * _ni + instr]) return;
        int j = _accounts.PositionSlot[acct * _ni + instr];
        if (j >= 0 && _market.Positions[instr].Qty[j] != 0) return;
        ref long margin = ref _accounts.IsolatedMargin[acct * _ni + instr];
        if (margin < 0)
        {
            long deficit = -margin;
            _accounts.Balance[FundAccount * _na] -= deficit;
            margin = 0;
            ref var e = ref Events.Add(EventKind.Takeover);
            e.Account = _accounts.Id[acct]; e.Instrument = instr; e.Isolated = true; e.Amount = deficit;
            Counters.Takeovers++;
        }
        if (margin != 0 && !HasOrdersOn(acct, instr))
        {
            _accounts.Balance[acct * _na] += margin;
            margin = 0;
            Touch(_accounts.CrossPart(acct));
        }
        Touch(acct * _pp + 1 + instr);
    }

    // ---------------------------------------------------------------- collateral

    /// <summary>Sets a non-settlement balance and keeps its haircut value, CV and holder index in step.</summary>
    private void SetAssetBalance(int acct, int asset, long units)
    {
        int k = acct * _na + asset;
        _accounts.Balance[k] = units;
        long value = _market.Assets[asset].HaircutValue(units);
        _accounts.CollateralValue[acct] += value - _accounts.AssetValue[k];
        _accounts.AssetValue[k] = value;
        ref int pos = ref _accounts.AssetHolderPos[k];
        if (units != 0 && pos < 0)
        {
            pos = _market.AssetHolderCount[asset]++;
            _market.AssetHolders[asset][pos] = acct;
        }
        else if (units == 0 && pos >= 0)
        {
            int last = --_market.AssetHolderCount[asset];
            int moved = _market.AssetHolders[asset][last];
            _market.AssetHolders[asset][pos] = moved;
            _accounts.AssetHolderPos[moved * _na + asset] = pos;
            pos = -1;
        }
        Touch(_accounts.CrossPart(acct));
    }

    private ref RiskEvent AddPartEvent(EventKind kind, int part)
    {
        ref var e = ref Events.Add(kind);
        e.Account = _accounts.Id[_accounts.AccountOfPart(part)];
        int instr = _accounts.InstrumentOfPart(part);
        if (instr >= 0) { e.Instrument = instr; e.Isolated = true; }
        return ref e;
    }
}
