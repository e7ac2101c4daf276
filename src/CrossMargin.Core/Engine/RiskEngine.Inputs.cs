using CrossMargin.Core.State;
using CrossMargin.Core.Rules;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Engine;

// Fills, collateral, prices, funding, kill switches, configuration, margin modes, queries (§5, §7).
public sealed partial class RiskEngine
{
    private ProcessStatus Fill(in RiskInput f)
    {
        if (!TryAccount(f.Account, out int acct)) return ProcessStatus.UnknownAccount;
        int instr = f.Instrument;
        if ((uint)instr >= (uint)_market.InstrumentCount) return ProcessStatus.UnknownInstrument;
        var ins = _market.Instruments[instr];
        // The side is the sign of the quantity: anything but buy/sell is as malformed as a quantity ≤ 0.
        if (f.Qty <= 0 || f.Side is not (Side.Buy or Side.Sell)) return ProcessStatus.InvalidQuantity;
        if (f.Price <= 0 || f.Price > ins.MaxPriceTicks) return ProcessStatus.InvalidPrice;
        if (f.Liquidation && f.HasFee) return ProcessStatus.LiquidationFillWithFee;
        int j0 = _accounts.PositionSlot[acct * _ni + instr];
        long q0 = j0 >= 0 ? _market.Positions[instr].Qty[j0] : 0;
        long signed = f.Side == Side.Buy ? f.Qty : -f.Qty;
        // In 128 bits: a hostile quantity makes q0 + signed long.MinValue, where Math.Abs(long) throws.
        if (Int128.Abs((Int128)q0 + signed) > ins.MaxPositionLots) return ProcessStatus.PositionAboveMax;
        if (!PositionSlots.CanHold(_market, _accounts, acct, instr)) return ProcessStatus.HolderCapacity;

        int part = _accounts.PartOf(acct, instr);
        // The part's cash must stay inside ±2^56 whatever the fee (§1): refuse the fill before anything moves.
        long realized = TradeApplier.Outcome(q0, j0 >= 0 ? _market.Positions[instr].Basis[j0] : 0, signed, f.Price, ins.TickValue, out _, out _);
        long cashAfter = _accounts.Cash(part) + realized;
        long feeBound = f.Liquidation ? Money.MulRateCeil(ins.Notional(f.Qty, f.Price), Config.LiquidationFeeRatePpm) : f.Fee;
        if (!TradeApplier.InBalanceBound(cashAfter) || !TradeApplier.InBalanceBound(cashAfter - feeBound)) return ProcessStatus.InvalidAmount;
        if (!f.Liquidation)
        {
            // Match the open order: release what it no longer needs (§5); anomalies are applied and counted.
            if (f.HasOrderId)
            {
                int k = _orders.Find(acct, f.OrderId);
                if (k < 0 || _orders.Instrument[k] != instr || _orders.Side[k] != (sbyte)f.Side) Counters.FillAnomalies++;
                else
                {
                    if (f.Qty > _orders.Remaining[k]) Counters.FillAnomalies++;
                    ReduceOrder(acct, k, Math.Min(f.Qty, _orders.Remaining[k]));
                }
            }
            ApplyTrade(acct, instr, signed, f.Price);
            _accounts.Cash(part) -= f.Fee;
            _ledger.FeePool += f.Fee;
        }
        else
        {
            ApplyTrade(acct, instr, signed, f.Price);
            // §6.3: the engine-charged fee, capped at E after the fill so it never bankrupts by itself.
            long fee = Math.Min(Money.MulRateCeil(ins.Notional(f.Qty, f.Price), Config.LiquidationFeeRatePpm), Math.Max(0, Equity(part)));
            _accounts.Cash(part) -= fee;
            _accounts.Balance[FundAccount * _na] += fee;
            int li = acct * _ni + instr;
            if (_accounts.LiqRemaining[li] > 0 && _accounts.LiqSide[li] == (sbyte)f.Side)
            {
                _accounts.LiqRemaining[li] = Math.Max(0, _accounts.LiqRemaining[li] - f.Qty);
                if (_accounts.LiqRemaining[li] == 0) _accounts.LiqOpen[part]--;
            }
            else Counters.LiquidationFillAnomalies++;
            if (_accounts.Health[part] == HealthState.Liquidating) _accounts.RoundDue[part] = true;
        }
        AfterIsolatedChange(acct, instr); // ApplyTrade already touched the part
        return ProcessStatus.Applied;
    }

    private ProcessStatus Deposit(in RiskInput d)
    {
        if ((uint)d.Asset >= (uint)_market.AssetCount) return ProcessStatus.InvalidAsset;
        // Amounts are bounded first (±2^56, §1) so the sums below cannot wrap a 64-bit long.
        if (d.Amount <= 0 || d.Amount >= Money.Bound) return ProcessStatus.InvalidAmount;
        bool exists = TryAccount(d.Account, out int acct);
        if (!exists && _accounts.Count == _accounts.Id.Length) return ProcessStatus.AccountCapacity;
        long current = exists ? _accounts.Balance[acct * _na + d.Asset] : 0;
        if (current + d.Amount >= Money.Bound) return ProcessStatus.InvalidAmount;
        if (!exists)
        {
            acct = _accounts.Count++;
            _accounts.Id[acct] = d.Account;
            _accounts.Index.Add(d.Account, acct);
        }
        Credit(acct, d.Asset, d.Amount);
        return ProcessStatus.Applied;
    }

    /// <summary>Moves <paramref name="units"/> of an asset between an account and the clearing account.</summary>
    private void Credit(int acct, int asset, long units)
    {
        _ledger.Clearing[asset] -= units;
        if (asset == 0) { _accounts.Balance[acct * _na] += units; Touch(_accounts.CrossPart(acct)); }
        else SetAssetBalance(acct, asset, _accounts.Balance[acct * _na + asset] + units);
    }

    private ProcessStatus Withdraw(in RiskInput w)
    {
        if ((uint)w.Asset >= (uint)_market.AssetCount) return ProcessStatus.InvalidAsset;
        if (w.Amount <= 0) return ProcessStatus.InvalidAmount;
        RejectReason reason = RejectReason.None;
        if (!TryAccount(w.Account, out int acct)) reason = RejectReason.UnknownAccount;
        else if (_accounts.Balance[acct * _na + w.Asset] < w.Amount) reason = RejectReason.InsufficientBalance;
        else
        {
            // Healthy afterwards? Compute E' without touching state.
            int part = _accounts.CrossPart(acct);
            long equity = Equity(part); // first: in index mode it brings the cached haircut values to the index prices
            long delta = w.Asset == 0 ? w.Amount
                : _accounts.AssetValue[acct * _na + w.Asset] - _market.Assets[w.Asset].HaircutValue(_accounts.Balance[acct * _na + w.Asset] - w.Amount);
            if (!HealthyWith(part, equity - delta)) reason = RejectReason.InsufficientMargin;
        }
        ref var e = ref Events.Add(EventKind.Withdrawal);
        e.Account = w.Account; e.Asset = w.Asset; e.Amount = w.Amount;
        e.Accepted = reason == RejectReason.None; e.Reason = reason;
        if (reason == RejectReason.None) Credit(acct, w.Asset, -w.Amount);
        return ProcessStatus.Applied;
    }

    private ProcessStatus Mark(in RiskInput m)
    {
        int instr = m.Instrument;
        if ((uint)instr >= (uint)_market.InstrumentCount) return ProcessStatus.UnknownInstrument;
        var ins = _market.Instruments[instr];
        if (m.Price <= 0 || m.Price > ins.MaxPriceTicks) return ProcessStatus.InvalidPrice;
        ins.MarkTicks = m.Price;
        if (Trigger == TriggerMode.Scan) RevalueHolders(instr);
        else PopBands(instr, m.Price);
        return ProcessStatus.Applied;
    }

    /// <summary>
    /// Revalues every slot of one instrument through the SIMD kernel, then carries the deltas to
    /// the cross sums and touches each changed part: O(holders), never a scan of all accounts.
    /// </summary>
    private void RevalueHolders(int instr)
    {
        var ins = _market.Instruments[instr];
        var t = _market.Positions[instr];
        int n = t.Count;
        var brackets = new BracketTable(ins.BracketMaxNotional, ins.BracketImr, ins.BracketMmr, ins.BracketCum);
        MarginKernels.Revalue(Kernel, n, ins.MarkTicks * ins.TickValue, brackets,
            t.Qty, t.Basis, t.Buy, t.Sell, t.Upnl, t.Im, t.Mm, _dUpnl, _dIm, _dMm);
        int[] parts = t.Part, accounts = t.Account;
        for (int j = 0; j < n; j++)
        {
            long du = _dUpnl[j], dim = _dIm[j], dmm = _dMm[j];
            if ((du | dim | dmm) == 0) continue;
            int part = parts[j], acct = accounts[j];
            if (part == acct * _pp) // the cross part: a multiply, not a modulo, on the per-holder path
            {
                _accounts.CrossUpnl[acct] += du; _accounts.CrossIm[acct] += dim; _accounts.CrossMm[acct] += dmm;
            }
            Touch(part);
        }
    }

    private ProcessStatus IndexTick(in RiskInput x)
    {
        int asset = x.Asset;
        if ((uint)asset >= (uint)_market.AssetCount || asset == 0) return ProcessStatus.InvalidAsset;
        if (x.Price <= 0) return ProcessStatus.InvalidPrice;
        _market.Assets[asset].IndexPriceMicros = x.Price;
        if (Trigger == TriggerMode.Scan) RevalueAssetHolders(asset);
        else PopAssetBands(asset, x.Price);
        return ProcessStatus.Applied;
    }

    /// <summary>Scan mode: revalues every holder of a collateral asset and touches each whose haircut value changed: O(holders).</summary>
    private void RevalueAssetHolders(int asset)
    {
        int[] holders = _market.AssetHolders[asset];
        for (int h = 0, n = _market.AssetHolderCount[asset]; h < n; h++)
        {
            int acct = holders[h];
            long before = _accounts.AssetValue[acct * _na + asset];
            SlotValuation.RevalueCollateral(_market, _accounts, acct, asset);
            if (_accounts.AssetValue[acct * _na + asset] != before) Touch(_accounts.CrossPart(acct));
        }
    }

    private ProcessStatus Funding(in RiskInput f)
    {
        int instr = f.Instrument;
        if ((uint)instr >= (uint)_market.InstrumentCount) return ProcessStatus.UnknownInstrument;
        long rate = f.Amount;
        if (rate < -Money.Scale || rate > Money.Scale) return ProcessStatus.InvalidRate;
        if (rate == 0) return ProcessStatus.Applied;
        var ins = _market.Instruments[instr];
        var t = _market.Positions[instr];
        long mtv = ins.MarkTicks * ins.TickValue;
        // First pass: no holder's cash may leave ±2^56 (§1), else the whole input is refused unchanged.
        for (int j = 0, n = t.Count; j < n; j++)
            if (t.Qty[j] != 0 && !TradeApplier.InBalanceBound(_accounts.Cash(t.Part[j]) + TradeApplier.FundingAmount(t.Qty[j], mtv, rate))) return ProcessStatus.InvalidAmount;
        for (int j = 0, n = t.Count; j < n; j++)
        {
            long q = t.Qty[j];
            if (q == 0) continue;
            long amount = TradeApplier.FundingAmount(q, mtv, rate);
            int part = t.Part[j];
            _accounts.Cash(part) += amount;
            _ledger.Clearing[0] -= amount;
            Touch(part);
        }
        return ProcessStatus.Applied;
    }

    private ProcessStatus Halt(in RiskInput h)
    {
        switch (h.Scope)
        {
            case HaltScope.Global: _market.GlobalHalt = h.Flag; break;
            case HaltScope.Instrument:
                if ((uint)h.Instrument >= (uint)_market.InstrumentCount) return ProcessStatus.UnknownInstrument;
                _market.Instruments[h.Instrument].Halted = h.Flag;
                break;
            case HaltScope.Account:
                if (!TryAccount(h.Account, out int acct)) return ProcessStatus.UnknownAccount;
                _accounts.Halted[acct] = h.Flag;
                break;
        }
        return ProcessStatus.Applied;
    }

    private ProcessStatus Configure(in RiskInput c)
    {
        if (c.LiquidationFeeRatePpm is < 0 or > Money.Scale || c.LiquidationBufferPpm < 0) return ProcessStatus.InvalidRate;
        if (c.Amount >= Money.Bound || c.Amount <= -Money.Bound) return ProcessStatus.InvalidAmount; // not Math.Abs: it throws on long.MinValue
        Config.LiquidationFeeRatePpm = c.LiquidationFeeRatePpm;
        Config.LiquidationBufferPpm = c.LiquidationBufferPpm;
        // Setting the fund's balance is a transfer with the clearing account, so the ledger stays balanced.
        ref long fund = ref _accounts.Balance[FundAccount * _na];
        _ledger.Clearing[0] -= c.Amount - fund;
        fund = c.Amount;
        return ProcessStatus.Applied;
    }

    private ProcessStatus SetMarginMode(in RiskInput m)
    {
        if (!ModeTarget(m, out int acct)) return ProcessStatus.Applied;
        int instr = m.Instrument, k = acct * _ni + instr;
        int j = _accounts.PositionSlot[k];
        if (j >= 0) { ModeReject(m, RejectReason.InvalidMode); return ProcessStatus.Applied; } // position or order there (§8)
        bool isolated = m.Flag;
        if (_accounts.IsolatedMode[k] == isolated) return ProcessStatus.Applied;
        int isoPart = acct * _pp + 1 + instr;
        if (!isolated && !TradeApplier.InBalanceBound(_accounts.Balance[acct * _na] + _accounts.IsolatedMargin[k])) return ProcessStatus.InvalidAmount;
        if (!isolated)
        {
            // Back to cross: the margin left returns to the settlement balance.
            _accounts.Balance[acct * _na] += _accounts.IsolatedMargin[k];
            _accounts.IsolatedMargin[k] = 0;
            Touch(_accounts.CrossPart(acct));
        }
        _accounts.IsolatedMode[k] = isolated;
        _accounts.Health[isoPart] = HealthState.Healthy;
        _accounts.RoundDue[isoPart] = false;
        return ProcessStatus.Applied;
    }

    private ProcessStatus Isolate(in RiskInput x)
    {
        if (x.Amount == 0 || x.Amount >= Money.Bound || x.Amount <= -Money.Bound) return ProcessStatus.InvalidAmount; // bounded before any sum
        if (!ModeTarget(x, out int acct)) return ProcessStatus.Applied;
        int instr = x.Instrument, k = acct * _ni + instr;
        if (!TradeApplier.InBalanceBound(_accounts.Balance[acct * _na] - x.Amount) || !TradeApplier.InBalanceBound(_accounts.IsolatedMargin[k] + x.Amount)) return ProcessStatus.InvalidAmount;
        int isoPart = acct * _pp + 1 + instr, cross = _accounts.CrossPart(acct);
        bool ok = _accounts.IsolatedMode[k];
        if (ok && x.Amount > 0)
        {
            // Checked like a withdrawal from the cross part (§8).
            long e2 = Equity(cross) - x.Amount;
            ok = _accounts.Balance[acct * _na] >= x.Amount && HealthyWith(cross, e2);
        }
        else if (ok)
        {
            long amount = -x.Amount;
            ok = _accounts.IsolatedMargin[k] >= amount && HealthyWith(isoPart, Equity(isoPart) - amount);
        }
        if (!ok) { ModeReject(x, RejectReason.InvalidMode); return ProcessStatus.Applied; }
        _accounts.Balance[acct * _na] -= x.Amount;
        _accounts.IsolatedMargin[k] += x.Amount;
        Touch(cross);
        Touch(isoPart);
        return ProcessStatus.Applied;
    }

    /// <summary>Resolves account and instrument of margin_mode/isolate, answering unknown ones with a reject.</summary>
    private bool ModeTarget(in RiskInput m, out int acct)
    {
        if (!TryAccount(m.Account, out acct)) { ModeReject(m, RejectReason.UnknownAccount); return false; }
        if ((uint)m.Instrument >= (uint)_market.InstrumentCount) { ModeReject(m, RejectReason.UnknownInstrument); return false; }
        return true;
    }

    private void ModeReject(in RiskInput m, RejectReason reason)
    {
        ref var e = ref Events.Add(EventKind.ModeRejected);
        e.Account = m.Account; e.Instrument = m.Instrument; e.Reason = reason;
    }

    private ProcessStatus Query(in RiskInput q)
    {
        ref var e = ref Events.Add(TryAccount(q.Account, out _) ? EventKind.Account : EventKind.QueryRejected);
        e.Account = q.Account;
        e.Reason = e.Kind == EventKind.QueryRejected ? RejectReason.UnknownAccount : RejectReason.None;
        return ProcessStatus.Applied;
    }

    private ProcessStatus FundQuery()
    {
        Events.Add(EventKind.Fund);
        return ProcessStatus.Applied;
    }
}
