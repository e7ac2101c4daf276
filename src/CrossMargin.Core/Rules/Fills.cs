using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// A fill, a fact from the exchange that is always applied (risk-model §5 "fill", §6.3): it matches
/// and releases its open order (anomalies counted), books the trade (<see cref="TradeApplier"/>),
/// debits the fee to the fee pool — or, for a liquidation fill, charges the engine's capped fee to the
/// insurance fund and counts down the liquidation order. Refused unchanged only when it would push a
/// balance past ±2^56 or a position past maxPosition.
/// </summary>
internal sealed class Fills(MarketTable market, AccountTable accounts, OrderTable orders, Ledger ledger, Settlement settlement,
    OrderEntry entry, CollateralMoves collateral, RiskConfig config, EngineCounters counters, bool refresh)
{
    private readonly int _ni = accounts.InstrumentStride;

    public ProcessStatus Fill(in RiskInput f)
    {
        if (!accounts.Index.TryGetValue(f.Account, out int acct)) return ProcessStatus.UnknownAccount;
        int instr = f.Instrument;
        if ((uint)instr >= (uint)market.InstrumentCount) return ProcessStatus.UnknownInstrument;
        var ins = market.Instruments[instr];
        // The side is the sign of the quantity: anything but buy/sell is as malformed as a quantity ≤ 0.
        if (f.Qty <= 0 || f.Side is not (Side.Buy or Side.Sell)) return ProcessStatus.InvalidQuantity;
        if (f.Price <= 0 || f.Price > ins.MaxPriceTicks) return ProcessStatus.InvalidPrice;
        if (f.Liquidation && f.HasFee) return ProcessStatus.LiquidationFillWithFee;
        ref var p0 = ref accounts.Position(acct, instr); // all zero without a slot
        long q0 = p0.Qty;
        long signed = f.Side == Side.Buy ? f.Qty : -f.Qty;
        // In 128 bits: a hostile quantity makes q0 + signed long.MinValue, where Math.Abs(long) throws.
        if (Int128.Abs((Int128)q0 + signed) > ins.MaxPositionLots) return ProcessStatus.PositionAboveMax;
        if (!PositionSlots.CanHold(market, accounts, acct, instr)) return ProcessStatus.HolderCapacity;

        int part = accounts.PartOf(acct, instr);
        // The part's cash must stay inside ±2^56 whatever the fee (§1): refuse the fill before anything moves.
        long realized = TradeApplier.Outcome(q0, p0.Basis, signed, f.Price, ins.TickValue, out _, out _);
        long cashAfter = accounts.Cash(part) + realized;
        long feeBound = f.Liquidation ? Money.MulRateCeil(ins.Notional(f.Qty, f.Price), config.LiquidationFeeRatePpm) : f.Fee;
        if (!TradeApplier.InBalanceBound(cashAfter) || !TradeApplier.InBalanceBound(cashAfter - feeBound)) return ProcessStatus.InvalidAmount;
        if (!f.Liquidation)
        {
            // Match the open order: release what it no longer needs (§5); anomalies are applied and counted.
            if (f.HasOrderId)
            {
                int k = orders.Find(acct, f.OrderId);
                if (k < 0 || orders.Instrument[k] != instr || orders.Side[k] != (sbyte)f.Side) counters.FillAnomalies++;
                else
                {
                    if (f.Qty > orders.Remaining[k]) counters.FillAnomalies++;
                    entry.ReduceOrder(acct, k, Math.Min(f.Qty, orders.Remaining[k]));
                }
            }
            settlement.Touch(TradeApplier.Apply(market, accounts, ledger, acct, instr, signed, f.Price));
            accounts.Cash(part) -= f.Fee;
            ledger.FeePool += f.Fee;
        }
        else
        {
            settlement.Touch(TradeApplier.Apply(market, accounts, ledger, acct, instr, signed, f.Price));
            // §6.3: the engine-charged fee, capped at E after the fill so it never bankrupts by itself.
            long fee = Math.Min(Money.MulRateCeil(ins.Notional(f.Qty, f.Price), config.LiquidationFeeRatePpm), Math.Max(0, HealthClassifier.Equity(market, accounts, refresh, part)));
            accounts.Cash(part) -= fee;
            accounts.Rows[AccountTable.Fund].Cash += fee;
            int li = acct * _ni + instr;
            if (accounts.LiqRemaining[li] > 0 && accounts.LiqSide[li] == (sbyte)f.Side)
            {
                accounts.LiqRemaining[li] = Math.Max(0, accounts.LiqRemaining[li] - f.Qty);
                if (accounts.LiqRemaining[li] == 0) accounts.LiqOpen[part]--;
            }
            else counters.LiquidationFillAnomalies++;
            if (accounts.Health(part) == HealthState.Liquidating) accounts.RoundDue[part] = true;
        }
        collateral.AfterIsolatedChange(acct, instr); // the trade already touched the part
        return ProcessStatus.Applied;
    }
}
