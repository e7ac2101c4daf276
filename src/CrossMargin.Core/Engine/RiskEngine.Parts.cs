using System.Runtime.CompilerServices;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Margin parts: equity, requirements, health evaluation, and the one place positions change.
public sealed partial class RiskEngine
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CrossPart(int acct) => acct * _pp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int PartOf(int acct, int instr) => _isolatedMode[acct * _ni + instr] ? acct * _pp + 1 + instr : acct * _pp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int AccountOfPart(int part) => part / _pp;

    /// <summary>Instrument of an isolated part, −1 for a cross part.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int InstrumentOfPart(int part) => part % _pp - 1;

    /// <summary>The money a part's losses and gains settle into: the settlement balance or the isolated margin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref long Cash(int part)
    {
        int acct = part / _pp, slot = part % _pp;
        return ref slot == 0 ? ref _balance[acct * _na] : ref _isolatedMargin[acct * _ni + slot - 1];
    }

    /// <summary>E = CV + Σ uPnL of the part (§2).</summary>
    private long Equity(int part) { Figures(part, out long e, out _, out _, out _); return e; }

    /// <summary>IMreq = Σ IM_j + Σ open loss (§3).</summary>
    private long InitialRequirement(int part) { Figures(part, out _, out long im, out _, out _); return im; }

    /// <summary>MMreq = Σ MM_j (§3).</summary>
    private long MaintenanceRequirement(int part) { Figures(part, out _, out _, out long mm, out _); return mm; }

    /// <summary>E, IMreq, MMreq and whether the part holds a position, with one division for the part id.</summary>
    private void Figures(int part, out long equity, out long im, out long mm, out bool hasPosition)
    {
        if (Trigger == TriggerMode.Index) Refresh(part);
        int acct = part / _pp, slot = part - acct * _pp;
        if (slot == 0)
        {
            equity = _balance[acct * _na] + _collateralValue[acct] + _crossUpnl[acct];
            im = _crossIm[acct] + _crossOpenLoss[acct];
            mm = _crossMm[acct];
            hasPosition = _crossPositions[acct] > 0;
            return;
        }
        int i = slot - 1, k = acct * _ni + i, j = _positionSlot[k];
        if (j < 0) { equity = _isolatedMargin[k]; im = mm = 0; hasPosition = false; return; }
        var t = _tables[i];
        equity = _isolatedMargin[k] + t.Upnl[j];
        im = t.Im[j] + t.OpenLoss[j];
        mm = t.Mm[j];
        hasPosition = t.Qty[j] != 0;
    }

    /// <summary>The health a part has now, in the priority order of §4.</summary>
    private HealthState Evaluate(int part)
    {
        Figures(part, out long e, out long im, out long mm, out bool hasPosition);
        return Classify(e, im, mm, hasPosition);
    }

    /// <summary>§4 in priority order: bankrupt, liquidating, healthy, restricted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static HealthState Classify(long equity, long im, long mm, bool hasPosition)
    {
        if (equity < 0 && hasPosition) return HealthState.Bankrupt;
        if (mm > 0 && equity <= mm) return HealthState.Liquidating;
        return equity >= im ? HealthState.Healthy : HealthState.Restricted;
    }

    /// <summary>Whether the part would be healthy with <paramref name="equity"/> instead of its own E (withdrawals, isolate).</summary>
    private bool HealthyWith(int part, long equity)
    {
        Figures(part, out _, out long im, out long mm, out bool hasPosition);
        return Classify(equity, im, mm, hasPosition) == HealthState.Healthy;
    }

    /// <summary>True when slot j of an instrument table belongs to its account's cross part (a multiply, not a modulo).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsCrossSlot(PositionTable t, int j) => t.Part[j] == t.Account[j] * _pp;

    /// <summary>Open orders of an account on one instrument.</summary>
    private bool HasOrdersOn(int acct, int instr)
    {
        int j = _positionSlot[acct * _ni + instr];
        return j >= 0 && (_tables[instr].Buy[j] != 0 || _tables[instr].Sell[j] != 0);
    }

    // ---------------------------------------------------------------- position slots

    /// <summary>The slot of (account, instrument), created empty if absent; −1 when the table is full.</summary>
    private int EnsureSlot(int acct, int instr)
    {
        ref int slot = ref _positionSlot[acct * _ni + instr];
        if (slot >= 0) return slot;
        slot = _tables[instr].Add(acct, acct == FundAccount ? CrossPart(acct) : PartOf(acct, instr));
        return slot;
    }

    /// <summary>True when (account, instrument) has a slot or the table has room for one.</summary>
    private bool CanHold(int acct, int instr) =>
        _positionSlot[acct * _ni + instr] >= 0 || _tables[instr].Count < _tables[instr].Capacity;

    private void RemoveSlotIfEmpty(int acct, int instr)
    {
        ref int slot = ref _positionSlot[acct * _ni + instr];
        int j = slot;
        if (j < 0) return;
        var t = _tables[instr];
        if (t.Qty[j] != 0 || t.Buy[j] != 0 || t.Sell[j] != 0) return;
        // An empty slot contributes nothing: its cached values are already zero.
        slot = -1;
        var bands = _bands[instr];
        bands?.Clear(j);
        int last = t.Count - 1;
        int moved = t.RemoveAt(j);
        if (moved >= 0)
        {
            _positionSlot[moved * _ni + instr] = j;
            bands?.Move(last, j);
        }
    }

    /// <summary>
    /// Recomputes slot j's cached uPnL / IM / MM at the current mark (the scalar twin of the
    /// revaluation kernel) and carries the deltas into its cross sums; touches the part.
    /// </summary>
    private void Revalue(int instr, int j)
    {
        RevalueSlot(instr, j);
        Touch(_tables[instr].Part[j]);
    }

    /// <summary>The figures of <see cref="Revalue"/> without touching the part (a refresh of stale caches changes no state).</summary>
    private void RevalueSlot(int instr, int j)
    {
        var ins = _instruments[instr];
        var t = _tables[instr];
        ins.SlotFigures(t.Qty[j], t.Basis[j], t.Buy[j], t.Sell[j], out long u, out long im, out long m);
        int part = t.Part[j];
        if (IsCrossSlot(t, j))
        {
            int acct = t.Account[j];
            _crossUpnl[acct] += u - t.Upnl[j];
            _crossIm[acct] += im - t.Im[j];
            _crossMm[acct] += m - t.Mm[j];
        }
        t.Upnl[j] = u; t.Im[j] = im; t.Mm[j] = m;
        t.MarkAt[j] = ins.MarkTicks;
    }

    private void AddOpenLoss(int instr, int j, long delta)
    {
        var t = _tables[instr];
        t.OpenLoss[j] += delta;
        if (IsCrossSlot(t, j)) _crossOpenLoss[t.Account[j]] += delta;
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
        var ins = _instruments[instr];
        var t = _tables[instr];
        int j = EnsureSlot(acct, instr);
        long q = t.Qty[j];
        long basis = t.Basis[j];
        long realized = TradeOutcome(q, basis, signedLots, priceTicks, ins.TickValue, out t.Qty[j], out t.Basis[j]);
        t.SumQty += t.Qty[j] - q;
        t.SumBasis += t.Basis[j] - basis;
        t.LongLots += Math.Max(0, t.Qty[j]) - Math.Max(0, q);
        int part = t.Part[j];
        Cash(part) += realized;
        _clearing[0] -= realized;
        if (part % _pp == 0)
        {
            if (q == 0 && t.Qty[j] != 0) _crossPositions[acct]++;
            else if (q != 0 && t.Qty[j] == 0) _crossPositions[acct]--;
        }
        Revalue(instr, j);
        RemoveSlotIfEmpty(acct, instr);
    }

    /// <summary>
    /// The §5 fill rule as a pure function: the position and basis after a trade of
    /// <paramref name="signedLots"/> at <paramref name="priceTicks"/>, and the amount it realizes
    /// (increase: basis grows; reduce: release basis × r / |q| truncated toward zero, all of it on a
    /// full close; a flip closes fully then opens). Used to apply a trade and to check it first.
    /// </summary>
    internal static long TradeOutcome(long q, long basis, long signedLots, long priceTicks, long tv, out long newQty, out long newBasis)
    {
        if (q == 0 || (q > 0) == (signedLots > 0))
        {
            newBasis = basis + signedLots * priceTicks * tv;
            newQty = q + signedLots;
            return 0;
        }
        long absF = Math.Abs(signedLots), absQ = Math.Abs(q);
        if (absF <= absQ)
        {
            long released = absF == absQ ? basis : Money.MulDivTruncate(basis, absF, absQ);
            newBasis = basis - released;
            newQty = q + signedLots;
            return -signedLots * priceTicks * tv - released;
        }
        long rest = q + signedLots;
        newQty = rest;
        newBasis = rest * priceTicks * tv;
        return q * priceTicks * tv - basis; // full close of q
    }

    /// <summary>True when a balance stays strictly inside ±2^56 (risk-model §1); inputs that would leave it are refused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool InBalanceBound(long value) => value > -Money.Bound && value < Money.Bound;

    /// <summary>
    /// After a trade or cancel on an isolated (account, instrument): a flat part with negative
    /// margin has its deficit paid by the fund at once (§7, a takeover event before any health
    /// event); a flat part with no open order returns its margin to the settlement balance.
    /// </summary>
    private void AfterIsolatedChange(int acct, int instr)
    {
        if (acct == FundAccount || !_isolatedMode[acct * _ni + instr]) return;
        int j = _positionSlot[acct * _ni + instr];
        if (j >= 0 && _tables[instr].Qty[j] != 0) return;
        ref long margin = ref _isolatedMargin[acct * _ni + instr];
        if (margin < 0)
        {
            long deficit = -margin;
            _balance[FundAccount * _na] -= deficit;
            margin = 0;
            ref var e = ref Events.Add(EventKind.Takeover);
            e.Account = _accountId[acct]; e.Instrument = instr; e.Isolated = true; e.Amount = deficit;
            Counters.Takeovers++;
        }
        if (margin != 0 && !HasOrdersOn(acct, instr))
        {
            _balance[acct * _na] += margin;
            margin = 0;
            Touch(CrossPart(acct));
        }
        Touch(acct * _pp + 1 + instr);
    }

    // ---------------------------------------------------------------- collateral

    /// <summary>Sets a non-settlement balance and keeps its haircut value, CV and holder index in step.</summary>
    private void SetAssetBalance(int acct, int asset, long units)
    {
        int k = acct * _na + asset;
        _balance[k] = units;
        long value = _assets[asset].HaircutValue(units);
        _collateralValue[acct] += value - _assetValue[k];
        _assetValue[k] = value;
        ref int pos = ref _assetHolderPos[k];
        if (units != 0 && pos < 0)
        {
            pos = _assetHolderCount[asset]++;
            _assetHolders[asset][pos] = acct;
        }
        else if (units == 0 && pos >= 0)
        {
            int last = --_assetHolderCount[asset];
            int moved = _assetHolders[asset][last];
            _assetHolders[asset][pos] = moved;
            _assetHolderPos[moved * _na + asset] = pos;
            pos = -1;
        }
        Touch(CrossPart(acct));
    }

    private ref RiskEvent AddPartEvent(EventKind kind, int part)
    {
        ref var e = ref Events.Add(kind);
        e.Account = _accountId[AccountOfPart(part)];
        int instr = InstrumentOfPart(part);
        if (instr >= 0) { e.Instrument = instr; e.Isolated = true; }
        return ref e;
    }
}
