using CrossMargin.Core.Engine;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Money and collateral moving between the ledger's entries (risk-model §2, §5, §7): deposits and
/// withdrawals against the clearing account, a non-settlement balance with its haircut value and
/// holder index, margin modes and isolated margin moved to and from the settlement balance,
/// funding between holders and the clearing account, and an isolated part that ends flat (its
/// deficit paid by the fund, its margin returned). Every balance is bounded (±2^56, §1) before any
/// sum; every part a move changes is touched for the settlement.
/// </summary>
internal sealed class CollateralMoves(MarketTable market, AccountTable accounts, Ledger ledger, Settlement settlement,
    EventWriter events, EngineCounters counters, bool refresh)
{
    private readonly int _ni = accounts.InstrumentStride, _na = accounts.AssetStride, _pp = accounts.PartStride;

    public ProcessStatus Deposit(in RiskInput d)
    {
        if ((uint)d.Asset >= (uint)market.AssetCount) return ProcessStatus.InvalidAsset;
        // Amounts are bounded first (±2^56, §1) so the sums below cannot wrap a 64-bit long.
        if (d.Amount <= 0 || d.Amount >= Money.Bound) return ProcessStatus.InvalidAmount;
        bool exists = accounts.Index.TryGetValue(d.Account, out int acct);
        if (!exists && accounts.Count == accounts.Capacity) return ProcessStatus.AccountCapacity;
        long current = exists ? accounts.Balance(acct, d.Asset) : 0;
        if (current + d.Amount >= Money.Bound) return ProcessStatus.InvalidAmount;
        if (!exists)
        {
            acct = accounts.Count++;
            accounts.Rows[acct].Id = d.Account;
            accounts.Index.Add(d.Account, acct);
        }
        Credit(acct, d.Asset, d.Amount);
        return ProcessStatus.Applied;
    }

    /// <summary>Moves <paramref name="units"/> of an asset between an account and the clearing account.</summary>
    private void Credit(int acct, int asset, long units)
    {
        ledger.Clearing[asset] -= units;
        if (asset == 0) { accounts.Rows[acct].Cash += units; settlement.Touch(accounts.CrossPart(acct)); }
        else SetAssetBalance(acct, asset, accounts.Balance(acct, asset) + units);
    }

    public ProcessStatus Withdraw(in RiskInput w)
    {
        if ((uint)w.Asset >= (uint)market.AssetCount) return ProcessStatus.InvalidAsset;
        if (w.Amount <= 0) return ProcessStatus.InvalidAmount;
        RejectReason reason = RejectReason.None;
        if (!accounts.Index.TryGetValue(w.Account, out int acct)) reason = RejectReason.UnknownAccount;
        else if (accounts.Balance(acct, w.Asset) < w.Amount) reason = RejectReason.InsufficientBalance;
        else
        {
            // Healthy afterwards? Compute E' without touching state.
            int part = accounts.CrossPart(acct);
            long equity = HealthClassifier.Equity(market, accounts, refresh, part); // first: in index mode it brings the cached haircut values to the index prices
            long delta = w.Asset == 0 ? w.Amount
                : accounts.AssetValue[acct * _na + w.Asset] - market.Assets[w.Asset].HaircutValue(accounts.Balance(acct, w.Asset) - w.Amount);
            if (!HealthClassifier.HealthyWith(market, accounts, refresh, part, equity - delta)) reason = RejectReason.InsufficientMargin;
        }
        events.Withdrawal(w, reason);
        if (reason == RejectReason.None) Credit(acct, w.Asset, -w.Amount);
        return ProcessStatus.Applied;
    }

    /// <summary>Sets a non-settlement balance and keeps its haircut value, CV, holder index and (index mode) asset band slot in step.</summary>
    public void SetAssetBalance(int acct, int asset, long units)
    {
        int k = acct * _na + asset;
        accounts.AssetBalance[k] = units;
        SlotValuation.RevalueCollateral(market, accounts, acct, asset);
        ref int pos = ref accounts.AssetHolderPos[k];
        if (units != 0 && pos < 0)
        {
            pos = market.AssetHolderCount[asset]++;
            market.AssetHolders[asset][pos] = acct;
        }
        else if (units == 0 && pos >= 0)
        {
            int last = --market.AssetHolderCount[asset];
            int moved = market.AssetHolders[asset][last];
            var bands = market.AssetBands[asset];
            if (bands is not null) { bands.Clear(pos); if (last != pos) bands.Move(last, pos); } // the band follows its holder
            market.AssetHolders[asset][pos] = moved;
            accounts.AssetHolderPos[moved * _na + asset] = pos;
            pos = -1;
        }
        settlement.Touch(accounts.CrossPart(acct));
    }

    public ProcessStatus Funding(in RiskInput f)
    {
        int instr = f.Instrument;
        if ((uint)instr >= (uint)market.InstrumentCount) return ProcessStatus.UnknownInstrument;
        long rate = f.Amount;
        if (rate < -Money.Scale || rate > Money.Scale) return ProcessStatus.InvalidRate;
        if (rate == 0) return ProcessStatus.Applied;
        var ins = market.Instruments[instr];
        var t = market.Positions[instr];
        long mtv = ins.MarkTicks * ins.TickValue;
        // First pass: no holder's cash may leave ±2^56 (§1), else the whole input is refused unchanged.
        for (int j = 0, n = t.Count; j < n; j++)
        {
            long q = accounts.Position(t.Account[j], instr).Qty;
            if (q != 0 && !TradeApplier.InBalanceBound(accounts.Cash(t.Part[j]) + TradeApplier.FundingAmount(q, mtv, rate))) return ProcessStatus.InvalidAmount;
        }
        for (int j = 0, n = t.Count; j < n; j++)
        {
            long q = accounts.Position(t.Account[j], instr).Qty;
            if (q == 0) continue;
            long amount = TradeApplier.FundingAmount(q, mtv, rate);
            int part = t.Part[j];
            accounts.Cash(part) += amount;
            ledger.Clearing[0] -= amount;
            settlement.Touch(part);
        }
        return ProcessStatus.Applied;
    }

    public ProcessStatus SetMarginMode(in RiskInput m)
    {
        if (!ModeTarget(m, out int acct)) return ProcessStatus.Applied;
        int instr = m.Instrument, k = acct * _ni + instr;
        int j = accounts.PositionSlot[k];
        if (j >= 0) { events.ModeReject(m, RejectReason.InvalidMode); return ProcessStatus.Applied; } // position or order there (§8)
        bool isolated = m.Flag;
        if (accounts.IsolatedMode[k] == isolated) return ProcessStatus.Applied;
        int isoPart = acct * _pp + 1 + instr;
        if (!isolated && !TradeApplier.InBalanceBound(accounts.Rows[acct].Cash + accounts.IsolatedMargin[k])) return ProcessStatus.InvalidAmount;
        if (!isolated)
        {
            // Back to cross: the margin left returns to the settlement balance.
            accounts.Rows[acct].Cash += accounts.IsolatedMargin[k];
            accounts.IsolatedMargin[k] = 0;
            settlement.Touch(accounts.CrossPart(acct));
        }
        accounts.IsolatedMode[k] = isolated;
        accounts.Health(isoPart) = HealthState.Healthy;
        accounts.RoundDue[isoPart] = false;
        return ProcessStatus.Applied;
    }

    public ProcessStatus Isolate(in RiskInput x)
    {
        if (x.Amount == 0 || x.Amount >= Money.Bound || x.Amount <= -Money.Bound) return ProcessStatus.InvalidAmount; // bounded before any sum
        if (!ModeTarget(x, out int acct)) return ProcessStatus.Applied;
        int instr = x.Instrument, k = acct * _ni + instr;
        if (!TradeApplier.InBalanceBound(accounts.Rows[acct].Cash - x.Amount) || !TradeApplier.InBalanceBound(accounts.IsolatedMargin[k] + x.Amount)) return ProcessStatus.InvalidAmount;
        int isoPart = acct * _pp + 1 + instr, cross = accounts.CrossPart(acct);
        bool ok = accounts.IsolatedMode[k];
        if (ok && x.Amount > 0)
        {
            // Checked like a withdrawal from the cross part (§8).
            long e2 = HealthClassifier.Equity(market, accounts, refresh, cross) - x.Amount;
            ok = accounts.Rows[acct].Cash >= x.Amount && HealthClassifier.HealthyWith(market, accounts, refresh, cross, e2);
        }
        else if (ok)
        {
            long amount = -x.Amount;
            ok = accounts.IsolatedMargin[k] >= amount && HealthClassifier.HealthyWith(market, accounts, refresh, isoPart, HealthClassifier.Equity(market, accounts, refresh, isoPart) - amount);
        }
        if (!ok) { events.ModeReject(x, RejectReason.InvalidMode); return ProcessStatus.Applied; }
        accounts.Rows[acct].Cash -= x.Amount;
        accounts.IsolatedMargin[k] += x.Amount;
        settlement.Touch(cross);
        settlement.Touch(isoPart);
        return ProcessStatus.Applied;
    }

    /// <summary>Resolves account and instrument of margin_mode/isolate, answering unknown ones with a reject.</summary>
    private bool ModeTarget(in RiskInput m, out int acct)
    {
        if (!accounts.Index.TryGetValue(m.Account, out acct)) { events.ModeReject(m, RejectReason.UnknownAccount); return false; }
        if ((uint)m.Instrument >= (uint)market.InstrumentCount) { events.ModeReject(m, RejectReason.UnknownInstrument); return false; }
        return true;
    }

    /// <summary>
    /// After a trade or cancel on an isolated (account, instrument): a flat part with negative
    /// margin has its deficit paid by the fund at once (§7, a takeover event before any health
    /// event); a flat part with no open order returns its margin to the settlement balance.
    /// </summary>
    public void AfterIsolatedChange(int acct, int instr)
    {
        if (acct == AccountTable.Fund || !accounts.IsolatedMode[acct * _ni + instr]) return;
        if (accounts.Position(acct, instr).Qty != 0) return; // zero without a slot
        ref long margin = ref accounts.IsolatedMargin[acct * _ni + instr];
        if (margin < 0)
        {
            long deficit = -margin;
            accounts.Rows[AccountTable.Fund].Cash -= deficit;
            margin = 0;
            events.IsolatedDeficit(acct, instr, deficit);
            counters.Takeovers++;
        }
        if (margin != 0 && !PositionSlots.HasOrdersOn(accounts, acct, instr))
        {
            accounts.Rows[acct].Cash += margin;
            margin = 0;
            settlement.Touch(accounts.CrossPart(acct));
        }
        settlement.Touch(acct * _pp + 1 + instr);
    }
}
