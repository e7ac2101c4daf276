using System.Runtime.CompilerServices;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Keeps a position row's cached uPnL / IM / MM equal to <see cref="MarginMath"/> at the current
/// mark and carries the change into its account's cross sums, and a collateral balance's cached
/// haircut value equal to its value at the current index price. Changes no health and touches no
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

    /// <summary>
    /// Recomputes the haircut value of one non-settlement balance at the current index price and
    /// carries the change into the account's collateral value (CV = Σ cached haircut values).
    /// </summary>
    public static void RevalueCollateral(MarketTable market, AccountTable accounts, int acct, int asset)
    {
        int k = acct * accounts.AssetStride + asset;
        var a = market.Assets[asset];
        long value = a.HaircutValue(accounts.AssetBalance[k]);
        accounts.Rows[acct].CollateralValue += value - accounts.AssetValue[k];
        accounts.AssetValue[k] = value;
        accounts.AssetValuedAt[k] = a.IndexPriceMicros;
    }

    /// <summary>Brings the haircut values of an account's non-settlement balances to the current index prices (index mode leaves them stale on a quiet index tick).</summary>
    public static void RefreshCollateral(MarketTable market, AccountTable accounts, int acct)
    {
        for (int a = 1, row = acct * accounts.AssetStride; a < market.AssetCount; a++)
            if (accounts.AssetBalance[row + a] != 0 && accounts.AssetValuedAt[row + a] != market.Assets[a].IndexPriceMicros)
                RevalueCollateral(market, accounts, acct, a);
    }

    /// <summary>Brings every cached figure of a part (its slots; a cross part's collateral too) to the current marks and index prices.</summary>
    public static void Refresh(MarketTable market, AccountTable accounts, int part)
    {
        int pp = accounts.PartStride, acct = part / pp, slot = part - acct * pp, row = acct * accounts.InstrumentStride;
        if (slot > 0) { RefreshSlot(market, accounts, acct, slot - 1); return; }
        if (market.AssetCount > 1) RefreshCollateral(market, accounts, acct);
        bool fund = acct == AccountTable.Fund;
        for (int i = 0; i < market.InstrumentCount; i++)
            if (fund || !accounts.IsolatedMode[row + i]) RefreshSlot(market, accounts, acct, i);
    }

    /// <summary>Refreshes every slot and every collateral value of an account (all its parts).</summary>
    public static void RefreshAccount(MarketTable market, AccountTable accounts, int acct)
    {
        RefreshCollateral(market, accounts, acct);
        for (int i = 0; i < market.InstrumentCount; i++) RefreshSlot(market, accounts, acct, i);
    }
}
