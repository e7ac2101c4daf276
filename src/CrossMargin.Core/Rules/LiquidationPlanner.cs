using CrossMargin.Core.Model;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// What a partial-liquidation round closes and at which price (risk-model §6.2, §8): positions by
/// largest MM_j first, the smallest close that restores E ≥ MMreq × (1 + buffer), each at the
/// bankruptcy price. Pure planning over the state: issuing the orders is the engine's job.
/// Nothing allocates; the caller passes stack buffers of the instrument capacity.
/// </summary>
internal static class LiquidationPlanner
{
    /// <summary>
    /// Plans one round for <paramref name="part"/>: fills (instrument, position, lots to close,
    /// price) per order in issue order and returns how many. For each position, the smallest r
    /// such that closing r at mark leaves E ≥ MMreq' × (1 + buffer) (fees ignored, so E does not
    /// move); if none, the whole position and on to the next.
    /// </summary>
    public static int PlanRound(MarketTable market, AccountTable accounts, bool refresh, int part, long bufferPpm,
        Span<int> instruments, Span<long> positions, Span<long> lots, Span<long> prices)
    {
        int acct = accounts.AccountOfPart(part);
        int n = PositionsByMaintenance(market, accounts, refresh, part, instruments);
        HealthClassifier.Figures(market, accounts, refresh, part, out long equity, out _, out long rest, out _);
        Int128 lhs = (Int128)equity * Money.Scale;
        long factor = Money.Scale + bufferPpm;
        int planned = 0;
        for (int k = 0; k < n; k++)
        {
            int instr = instruments[k];
            var ins = market.Instruments[instr];
            ref var p = ref accounts.Positions[acct * accounts.InstrumentStride + instr];
            long q = p.Qty, absQ = Math.Abs(q), mark = ins.MarkTicks;
            long others = rest - p.Mm;
            // Keep n lots: target holds for n = 0 at best; MM(n) is non-decreasing, so binary-search the largest n.
            long keep = -1, lo = 0, hi = absQ - 1;
            while (lo <= hi)
            {
                long mid = lo + ((hi - lo) >> 1);
                long mm = others + ins.MaintenanceMargin(ins.Notional(mid, mark));
                if (lhs >= (Int128)mm * factor) { keep = mid; lo = mid + 1; } else hi = mid - 1;
            }
            positions[planned] = q;
            lots[planned] = keep < 0 ? absQ : absQ - keep;
            prices[planned] = BankruptcyPrice(ins, q, equity);
            planned++;
            if (keep >= 0) break;
            rest = others; // the state the full close would leave
        }
        return planned;
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the instruments of the part's open positions, largest
    /// MM_j first, ties in instrument order (insertion sort: at most a few dozen entries). The
    /// takeover uses the same order for ADL.
    /// </summary>
    public static int PositionsByMaintenance(MarketTable market, AccountTable accounts, bool refresh, int part, Span<int> order)
    {
        if (refresh) SlotValuation.Refresh(market, accounts, part);
        int acct = accounts.AccountOfPart(part), row = acct * accounts.InstrumentStride, n = 0;
        for (int i = 0; i < market.InstrumentCount; i++)
        {
            if (accounts.PositionSlot[row + i] < 0) continue;
            ref var p = ref accounts.Positions[row + i];
            if (p.Qty == 0 || accounts.PartOf(acct, i) != part) continue;
            long mm = p.Mm;
            int at = n++;
            while (at > 0 && accounts.Positions[row + order[at - 1]].Mm < mm)
            {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = i;
        }
        return n;
    }

    /// <summary>
    /// The price at which closing the whole position brings E to 0: mark − E / (q × tv), a sell
    /// rounded up and a buy rounded down to the tick, at least one tick, not capped (§6.2, §8).
    /// </summary>
    public static long BankruptcyPrice(Instrument ins, long q, long equity)
    {
        long qtv = Math.Abs(q) * ins.TickValue;
        long shift = Money.FloorDiv(equity, qtv);
        // long (sell): ceil(mark − E/qtv) = mark − floor(E/qtv); short (buy): floor(mark + E/qtv).
        long price = q > 0 ? ins.MarkTicks - shift : ins.MarkTicks + shift;
        return Math.Max(1, price);
    }
}
