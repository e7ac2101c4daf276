using System.Runtime.CompilerServices;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Keeps a position row's cached uPnL / IM / MM equal to <see cref="MarginMath"/> at the current
/// mark and carries the change into its account's cross sums. Changes no health and touches no
/// part: a refresh of stale caches (index mode) is not a state change.
/// </summary>
internal static class SlotValuation
{
    /// <summary>Recomputes (account, instrument)'s row at the current mark (the scalar twin of the revaluation kernel).</summary>
    public static void Revalue(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        var ins = market.Instruments[instr];
        int k = acct * accounts.InstrumentStride + instr;
        ref var p = ref accounts.Positions[k];
        ins.SlotFigures(p.Qty, p.Basis, p.Buy, p.Sell, out long u, out long im, out long m);
        if (acct == AccountTable.Fund || !accounts.IsolatedMode[k]) // a cross slot (the fund's always are)
        {
            ref var row = ref accounts.Rows[acct];
            row.CrossUpnl += u - p.Upnl;
            row.CrossIm += im - p.Im;
            row.CrossMm += m - p.Mm;
        }
        p.Upnl = u; p.Im = im; p.Mm = m;
        p.MarkAt = ins.MarkTicks;
    }

    /// <summary>Revalues (account, instrument) when it has a slot whose figures are older than the mark.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RefreshSlot(MarketTable market, AccountTable accounts, int acct, int instr)
    {
        int k = acct * accounts.InstrumentStride + instr;
        if (accounts.PositionSlot[k] >= 0 && accounts.Positions[k].MarkAt != market.Instruments[instr].MarkTicks) Revalue(market, accounts, acct, instr);
    }

    /// <summary>Brings every cached figure of a part's slots to the current marks.</summary>
    public static void Refresh(MarketTable market, AccountTable accounts, int part)
    {
        int pp = accounts.PartStride, acct = part / pp, slot = part - acct * pp, row = acct * accounts.InstrumentStride;
        if (slot > 0) { RefreshSlot(market, accounts, acct, slot - 1); return; }
        bool fund = acct == AccountTable.Fund;
        for (int i = 0; i < market.InstrumentCount; i++)
            if (fund || !accounts.IsolatedMode[row + i]) RefreshSlot(market, accounts, acct, i);
    }

    /// <summary>Refreshes every slot of an account (all its parts).</summary>
    public static void RefreshAccount(MarketTable market, AccountTable accounts, int acct)
    {
        for (int i = 0; i < market.InstrumentCount; i++) RefreshSlot(market, accounts, acct, i);
    }
}
