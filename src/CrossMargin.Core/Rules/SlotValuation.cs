using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// Keeps a holder slot's cached uPnL / IM / MM equal to <see cref="MarginMath"/> at the current
/// mark and carries the change into its account's cross sums, and a collateral balance's cached
/// haircut value equal to its value at the current index price. Changes no health and touches no
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

    /// <summary>
    /// Recomputes the haircut value of one non-settlement balance at the current index price and
    /// carries the change into the account's collateral value (CV = Σ cached haircut values).
    /// </summary>
    public static void RevalueCollateral(MarketTable market, AccountTable accounts, int acct, int asset)
    {
        int k = acct * accounts.AssetStride + asset;
        var a = market.Assets[asset];
        long value = a.HaircutValue(accounts.Balance[k]);
        accounts.CollateralValue[acct] += value - accounts.AssetValue[k];
        accounts.AssetValue[k] = value;
        accounts.AssetValuedAt[k] = a.IndexPriceMicros;
    }

    /// <summary>Brings the haircut values of an account's non-settlement balances to the current index prices (index mode leaves them stale on a quiet index tick).</summary>
    public static void RefreshCollateral(MarketTable market, AccountTable accounts, int acct)
    {
        for (int a = 1, row = acct * accounts.AssetStride; a < market.AssetCount; a++)
            if (accounts.Balance[row + a] != 0 && accounts.AssetValuedAt[row + a] != market.Assets[a].IndexPriceMicros)
                RevalueCollateral(market, accounts, acct, a);
    }

    /// <summary>Brings every cached figure of a part (its slots; a cross part's collateral too) to the current marks and index prices.</summary>
    public static void Refresh(MarketTable market, AccountTable accounts, int part)
    {
        int pp = accounts.PartStride, acct = part / pp, slot = part - acct * pp, row = acct * accounts.InstrumentStride;
        if (slot > 0) { RefreshSlot(market, accounts, slot - 1, accounts.PositionSlot[row + slot - 1]); return; }
        if (market.AssetCount > 1) RefreshCollateral(market, accounts, acct);
        for (int i = 0; i < market.InstrumentCount; i++)
        {
            int j = accounts.PositionSlot[row + i];
            if (j >= 0 && market.Positions[i].Part[j] == part) RefreshSlot(market, accounts, i, j);
        }
    }

    /// <summary>Refreshes every slot and every collateral value of an account (all its parts).</summary>
    public static void RefreshAccount(MarketTable market, AccountTable accounts, int acct)
    {
        RefreshCollateral(market, accounts, acct);
        for (int i = 0, row = acct * accounts.InstrumentStride; i < market.InstrumentCount; i++)
            RefreshSlot(market, accounts, i, accounts.PositionSlot[row + i]);
    }
}
