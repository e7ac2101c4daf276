using System.Runtime.CompilerServices;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// The cash rules of a position (risk-model §1, §5) as pure functions: what a fill does to
/// position, basis and realized PnL, what a funding payment is, and the ±2^56 balance bound every
/// input is checked against before anything moves; and <see cref="Apply"/>, which books a trade.
/// </summary>
internal static class TradeApplier
{
    /// <summary>
    /// The §5 fill rule: the position and basis after a trade of <paramref name="signedLots"/> at
    /// <paramref name="priceTicks"/>, and the amount it realizes (increase: basis grows; reduce:
    /// release basis × r / |q| truncated toward zero, all of it on a full close; a flip closes fully
    /// then opens). Used to apply a trade and to check it first.
    /// </summary>
    public static long Outcome(long q, long basis, long signedLots, long priceTicks, long tv, out long newQty, out long newBasis)
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

    /// <summary>What a holder of q receives (negative: pays) at rate ppm: rate &gt; 0 longs pay; payers round up, receivers down (§5).</summary>
    public static long FundingAmount(long q, long markTv, long rate)
    {
        long notional = Math.Abs(q) * markTv, absRate = Math.Abs(rate);
        return (q > 0) == (rate > 0) ? -Money.MulRateCeil(notional, absRate) : Money.MulRateFloor(notional, absRate);
    }

    /// <summary>True when a balance stays strictly inside ±2^56 (risk-model §1); inputs that would leave it are refused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InBalanceBound(long value) => value > -Money.Bound && value < Money.Bound;

    /// <summary>
    /// Applies a trade of <paramref name="signedLots"/> at <paramref name="priceTicks"/> to
    /// (account, instrument) with <see cref="Outcome"/>: the realized amount moves between the
    /// part's cash and the clearing account, the slot is revalued and removed if it became empty.
    /// The caller has checked capacity (<see cref="PositionSlots.CanHold"/>); returns the part the
    /// trade changed (the caller touches it).
    /// </summary>
    public static int Apply(MarketTable market, AccountTable accounts, Ledger ledger, int acct, int instr, long signedLots, long priceTicks)
    {
        var ins = market.Instruments[instr];
        var t = market.Positions[instr];
        PositionSlots.Ensure(market, accounts, acct, instr);
        ref var p = ref accounts.Positions[acct * accounts.InstrumentStride + instr];
        long q = p.Qty;
        long basis = p.Basis;
        long realized = Outcome(q, basis, signedLots, priceTicks, ins.TickValue, out p.Qty, out p.Basis);
        t.SumQty += p.Qty - q;
        t.SumBasis += p.Basis - basis;
        t.LongLots += Math.Max(0, p.Qty) - Math.Max(0, q);
        int part = PositionSlots.PartOfSlot(accounts, acct, instr);
        accounts.Cash(part) += realized;
        ledger.Clearing[0] -= realized;
        if (part % accounts.PartStride == 0)
        {
            if (q == 0 && p.Qty != 0) accounts.Rows[acct].CrossPositions++;
            else if (q != 0 && p.Qty == 0) accounts.Rows[acct].CrossPositions--;
        }
        SlotValuation.Revalue(market, accounts, acct, instr);
        PositionSlots.RemoveIfEmpty(market, accounts, acct, instr);
        return part;
    }
}
