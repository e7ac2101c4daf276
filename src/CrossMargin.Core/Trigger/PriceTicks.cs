using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Core.Rules;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Trigger;

/// <summary>
/// Mark and index ticks (risk-model §5: revalue every account exposed, and only those) in the two
/// trigger modes. Scan: every holder is revalued (the SIMD kernel for a mark) and each changed part
/// is touched, O(holders). Index: only the parts whose safe band the new price left are touched;
/// every other cache may be stale and is refreshed exactly when read, and after the input the
/// touched parts get new bands (<see cref="PartBands"/>).
/// </summary>
internal sealed class PriceTicks(MarketTable market, AccountTable accounts, Settlement settlement, EngineCounters counters,
    TriggerMode trigger, int holders)
{
    private readonly int _na = accounts.AssetStride, _pp = accounts.PartStride;
    // Scan mode: the holder columns the SIMD kernel revalues (null in index mode: the index never revalues a whole holder table).
    private readonly HolderGather? _gather = trigger == TriggerMode.Scan ? new HolderGather(holders) : null;

    public ProcessStatus Mark(in RiskInput m, KernelMode kernel)
    {
        int instr = m.Instrument;
        if ((uint)instr >= (uint)market.InstrumentCount) return ProcessStatus.UnknownInstrument;
        var ins = market.Instruments[instr];
        if (m.Price <= 0 || m.Price > ins.MaxPriceTicks) return ProcessStatus.InvalidPrice;
        ins.MarkTicks = m.Price;
        if (trigger == TriggerMode.Scan) RevalueHolders(instr, kernel);
        else PopBands(instr, m.Price);
        return ProcessStatus.Applied;
    }

    /// <summary>
    /// Revalues every slot of one instrument through the SIMD kernel, then carries the deltas to
    /// the cross sums and touches each changed part: O(holders), never a scan of all accounts.
    /// </summary>
    private void RevalueHolders(int instr, KernelMode kernel)
    {
        var ins = market.Instruments[instr];
        var t = market.Positions[instr];
        var g = _gather!;
        int n = t.Count;
        var brackets = new BracketTable(ins.BracketMaxNotional, ins.BracketImr, ins.BracketMmr, ins.BracketCum);
        g.Gather(t, accounts, instr);
        MarginKernels.Revalue(kernel, n, ins.MarkTicks * ins.TickValue, brackets,
            g.Qty, g.Basis, g.Buy, g.Sell, g.Upnl, g.Im, g.Mm, g.DUpnl, g.DIm, g.DMm);
        g.Scatter(t, accounts, instr, ins.MarkTicks);
        int[] parts = t.Part, owners = t.Account;
        for (int j = 0; j < n; j++)
        {
            long du = g.DUpnl[j], dim = g.DIm[j], dmm = g.DMm[j];
            if ((du | dim | dmm) == 0) continue;
            int part = parts[j], acct = owners[j];
            if (part == acct * _pp) // the cross part: a multiply, not a modulo, on the per-holder path
            {
                ref var row = ref accounts.Rows[acct];
                row.CrossUpnl += du; row.CrossIm += dim; row.CrossMm += dmm;
            }
            settlement.Touch(part);
        }
    }

    /// <summary>The mark left these slots' bands: their parts are re-evaluated exactly by the settlement that follows.</summary>
    private void PopBands(int instr, long price)
    {
        var bands = market.Bands[instr];
        var parts = market.Positions[instr].Part;
        int n = bands.PopOutside(price);
        counters.TriggerPops += n;
        foreach (int j in bands.Popped(n)) settlement.Touch(parts[j]);
    }

    public ProcessStatus IndexTick(in RiskInput x)
    {
        int asset = x.Asset;
        if ((uint)asset >= (uint)market.AssetCount || asset == 0) return ProcessStatus.InvalidAsset;
        if (x.Price <= 0) return ProcessStatus.InvalidPrice;
        market.Assets[asset].IndexPriceMicros = x.Price;
        if (trigger == TriggerMode.Scan) RevalueAssetHolders(asset);
        else PopAssetBands(asset, x.Price);
        return ProcessStatus.Applied;
    }

    /// <summary>Scan mode: revalues every holder of a collateral asset and touches each whose haircut value changed: O(holders).</summary>
    private void RevalueAssetHolders(int asset)
    {
        int[] list = market.AssetHolders[asset];
        for (int h = 0, n = market.AssetHolderCount[asset]; h < n; h++)
        {
            int acct = list[h];
            long before = accounts.AssetValue[acct * _na + asset];
            SlotValuation.RevalueCollateral(market, accounts, acct, asset);
            if (accounts.AssetValue[acct * _na + asset] != before) settlement.Touch(accounts.CrossPart(acct));
        }
    }

    /// <summary>The index price left these holders' asset bands: their cross parts are re-evaluated exactly (their haircut values refresh when read).</summary>
    private void PopAssetBands(int asset, long price)
    {
        var bands = market.AssetBands[asset];
        int[] list = market.AssetHolders[asset];
        int n = bands.PopOutside(price);
        counters.TriggerPops += n;
        foreach (int pos in bands.Popped(n)) settlement.Touch(accounts.CrossPart(list[pos]));
    }

    /// <summary>Index mode, after the settlement: new bands for every part the input touched.</summary>
    public void RebandTouched()
    {
        for (int k = 0, n = settlement.RebandCount; k < n; k++)
        {
            // A crash re-bands thousands of parts scattered over memory: the same two-stage look-ahead as the settlement.
            if (k + 16 < n) accounts.PrefetchPartRows(settlement.RebandAt(k + 16));
            if (k + 8 < n) accounts.PrefetchPartSlots(settlement.RebandAt(k + 8));
            PartBands.Reband(market, accounts, settlement.TakeReband(k));
        }
        settlement.ClearReband();
    }
}
