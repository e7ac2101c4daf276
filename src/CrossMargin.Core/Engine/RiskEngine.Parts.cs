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

    /// <summary>
    /// Recomputes slot j's cached uPnL / IM / MM at the current mark (the scalar twin of the
    /// revaluation kernel) and carries the deltas into its cross sums; touches the part.
    /// </summary>
    private void Revalue(int instr, int j)
    {
        SlotValuation.Revalue(_market, _accounts, instr, j);
        Touch(_market.Positions[instr].Part[j]);
    }

    /// <summary>Applies a trade (<see cref="TradeApplier.Apply"/>) and touches the part it changed.</summary>
    private void ApplyTrade(int acct, int instr, long signedLots, long priceTicks) =>
        Touch(TradeApplier.Apply(_market, _accounts, _ledger, acct, instr, signedLots, priceTicks));

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
        if (margin != 0 && !PositionSlots.HasOrdersOn(_market, _accounts, acct, instr))
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
        SlotValuation.RevalueCollateral(_market, _accounts, acct, asset);
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
            var bands = _market.AssetBands[asset];
            if (bands is not null) { bands.Clear(pos); if (last != pos) bands.Move(last, pos); } // the band follows its holder
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
