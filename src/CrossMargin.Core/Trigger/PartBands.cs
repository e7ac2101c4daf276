using CrossMargin.Core.Rules;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Trigger;

/// <summary>
/// Index mode: gives every slot of a margin part a new safe band from the part's exact figures at
/// the current marks and index prices (<see cref="SafeBand"/> proves the bands safe): one per
/// instrument it holds and, for a cross part, one per non-settlement collateral asset it holds.
/// Called for each part an input touched, after its settlement.
/// </summary>
internal static class PartBands
{
    /// <summary>Re-bands every slot (and collateral balance) of <paramref name="part"/>; a band no reachable price can leave is cleared instead.</summary>
    public static void Reband(MarketTable market, AccountTable accounts, int part)
    {
        int pp = accounts.PartStride, acct = part / pp, slot = part - acct * pp, row = acct * accounts.InstrumentStride;
        HealthClassifier.Figures(market, accounts, refresh: true, part, out long e, out long im, out long mm, out _);
        var budget = new SafeBand.Budget(e, im, mm);
        int from = slot == 0 ? 0 : slot - 1, to = slot == 0 ? market.InstrumentCount : slot;
        int held = 0;
        for (int i = from; i < to; i++)
        {
            if (!Holds(accounts, acct, slot, row + i)) continue;
            held++;
            ref var p = ref accounts.Positions[row + i];
            budget.Add(SafeBand.SlopesOf(market.Instruments[i], p.Qty, MarginMath.WorstCase(p.Qty, p.Buy, p.Sell)));
        }
        // Collateral other than the settlement asset belongs to the cross part only (§7: isolated margin is money).
        int assets = slot == 0 ? market.AssetCount : 1, arow = acct * accounts.AssetStride;
        for (int a = 1; a < assets; a++)
            if (accounts.AssetBalance[arow + a] > 0) held++;
        if (held == 0) return;
        for (int i = from; i < to; i++)
        {
            if (!Holds(accounts, acct, slot, row + i)) continue;
            int j = accounts.PositionSlot[row + i];
            ref var p = ref accounts.Positions[row + i];
            var ins = market.Instruments[i];
            long w = MarginMath.WorstCase(p.Qty, p.Buy, p.Sell);
            var (lo, hi) = budget.BandOf(ins, SafeBand.SlopesOf(ins, p.Qty, w), w, held);
            if (lo <= 1 && hi >= ins.MaxPriceTicks) market.Bands[i].Clear(j); // no reachable mark can change it
            else market.Bands[i].Set(j, lo, hi);
        }
        for (int a = 1; a < assets; a++)
        {
            long units = accounts.AssetBalance[arow + a];
            if (units <= 0) continue;
            var (lo, hi) = budget.AssetBandOf(market.Assets[a], units, held);
            int pos = accounts.AssetHolderPos[arow + a];
            if (lo <= 1 && hi == long.MaxValue) market.AssetBands[a].Clear(pos); // no index price can change it
            else market.AssetBands[a].Set(pos, lo, hi);
        }
    }

    /// <summary>True when (account, instrument) k has a slot in the part being re-banded (slot 0 holds the cross slots, the fund's all).</summary>
    private static bool Holds(AccountTable accounts, int acct, int slot, int k) =>
        accounts.PositionSlot[k] >= 0 && (slot == 0) == (acct == AccountTable.Fund || !accounts.IsolatedMode[k]);
}
