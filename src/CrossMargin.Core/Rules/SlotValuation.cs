using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Keeps a holder slot's cached uPnL / IM / MM equal to <see cref="MarginMath"/> at the current
/// mark and carries the change into its account's cross sums. Changes no health and touches no
/// part: a refresh of stale caches (index mode) is not a state change.
/// </summary>
internal static class SlotValuation
{
    /// <summary>Recomputes slot j of an instrument at the current mark (the scalar twin of the revaluation kernel).</summary>
    public static void Revalue(MarketTable market, AccountTable accounts, int instr, int j)
    {
        var ins = market.Instruments[instr];
        var t = market.Positions[instr];
        ins.SlotFigures(t.Qty[j], t.Basis[j], t.Buy[j], t.Sell[j], out long u, out long im, out long m);
        int acct = t.Account[j];
        if (t.Part[j] == acct * accounts.PartStride) // a cross slot: a multiply, not a modulo
        {
            accounts.CrossUpnl[acct] += u - t.Upnl[j];
            accounts.CrossIm[acct] += im - t.Im[j];
            accounts.CrossMm[acct] += m - t.Mm[j];
        }
        t.Upnl[j] = u; t.Im[j] = im; t.Mm[j] = m;
        t.MarkAt[j] = ins.MarkTicks;
    }

    /// <summary>Revalues slot j (if any, j ≥ 0) when its figures are older than the mark.</summary>
    public static void RefreshSlot(MarketTable market, AccountTable accounts, int instr, int j)
    {
        if (j >= 0 && market.Positions[instr].MarkAt[j] != market.Instruments[instr].MarkTicks) Revalue(market, accounts, instr, j);
    }

    /// <summary>Brings every cached figure of a part's slots to the current marks.</summary>
    public static void Refresh(MarketTable market, AccountTable accounts, int part)
    {
        int pp = accounts.PartStride, acct = part / pp, slot = part - acct * pp, row = acct * accounts.InstrumentStride;
        if (slot > 0) { RefreshSlot(market, accounts, slot - 1, accounts.PositionSlot[row + slot - 1]); return; }
        for (int i = 0; i < market.InstrumentCount; i++)
        {
            int j = accounts.PositionSlot[row + i];
            if (j >= 0 && market.Positions[i].Part[j] == part) RefreshSlot(market, accounts, i, j);
        }
    }

    /// <summary>Refreshes every slot of an account (all its parts).</summary>
    public static void RefreshAccount(MarketTable market, AccountTable accounts, int acct)
    {
        for (int i = 0, row = acct * accounts.InstrumentStride; i < market.InstrumentCount; i++)
            RefreshSlot(market, accounts, i, accounts.PositionSlot[row + i]);
    }
}
