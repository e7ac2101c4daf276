using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Trigger;

namespace CrossMargin.Core.Audit;

/// <summary>
/// Proof of the incrementally maintained state: recomputes every cached per-position figure,
/// per-account sum, haircut value, stored health and ledger total from the raw state (lots,
/// basis, open orders, balances, marks, index prices) and compares. Allocates; tests and audits only.
/// </summary>
internal static class CacheVerifier
{
    /// <summary>Null when every cache agrees with a full recomputation, else the first difference.</summary>
    public static string? Verify(RiskEngine engine)
    {
        var market = engine.Market; var accounts = engine.Accounts; var orders = engine.Orders;
        int ni = accounts.InstrumentStride, na = accounts.AssetStride, pp = accounts.PartStride, no = orders.PerAccount;
        var kernel = engine.Kernel;
        var upnl = new long[ni]; var im = new long[ni]; var mm = new long[ni]; var ol = new long[ni];
        // Index mode keeps caches stale on purpose between reads: bring them to the marks first (no state change).
        if (engine.Trigger == TriggerMode.Index) for (int acct = 0; acct < accounts.Count; acct++) engine.RefreshAccount(acct);
        for (int acct = 0; acct < accounts.Count; acct++)
        {
            long id = accounts.Rows[acct].Id;
            int n = 0, positions = 0;
            for (int i = 0; i < market.InstrumentCount; i++)
            {
                int j = accounts.PositionSlot[acct * ni + i];
                if (j < 0) continue;
                var t = market.Positions[i];
                var ins = market.Instruments[i];
                if (t.Account[j] != acct) return $"slot index broken for account {id} on {ins.Id}";
                ref var p = ref accounts.Positions[acct * ni + i];
                long q = p.Qty;
                ins.SlotFigures(q, p.Basis, p.Buy, p.Sell, out long u, out long iv, out long m);
                if (u != p.Upnl || m != p.Mm || iv != p.Im) return $"cached uPnL/IM/MM stale for account {id} on {ins.Id}";
                long loss = 0, buy = 0, sell = 0;
                for (int k = acct * no; k < acct * no + orders.CountOf(acct); k++)
                {
                    if (orders.Instrument[k] != i) continue;
                    loss += orders.Remaining[k] * orders.LossPerLot[k];
                    if (orders.Side[k] > 0) buy += orders.Remaining[k]; else sell += orders.Remaining[k];
                }
                if (loss != accounts.OpenLoss[acct * ni + i] || buy != p.Buy || sell != p.Sell) return $"open orders out of step for account {id} on {ins.Id}";
                if (t.Part[j] % pp != 0) continue;
                if (t.Part[j] != State.PositionSlots.PartOfSlot(accounts, acct, i)) return $"slot part out of step with the margin mode for account {id} on {ins.Id}";
                upnl[n] = u; im[n] = iv; mm[n] = m; ol[n] = loss; n++;
                if (q != 0) positions++;
            }
            if (MarginKernels.Sum(kernel, upnl.AsSpan(0, n)) != accounts.Rows[acct].CrossUpnl || MarginKernels.Sum(kernel, im.AsSpan(0, n)) != accounts.Rows[acct].CrossIm
                || MarginKernels.Sum(kernel, mm.AsSpan(0, n)) != accounts.Rows[acct].CrossMm || MarginKernels.Sum(kernel, ol.AsSpan(0, n)) != accounts.Rows[acct].CrossOpenLoss
                || positions != accounts.Rows[acct].CrossPositions)
                return $"cross sums stale for account {id}";
            long cv = 0;
            for (int a = 1; a < market.AssetCount; a++)
            {
                long units = accounts.Balance(acct, a);
                long v = market.Assets[a].HaircutValue(units);
                if (v != accounts.AssetValue[acct * na + a]) return $"haircut value stale for account {id} asset {market.Assets[a].Id}";
                if (units < 0) return $"negative {market.Assets[a].Id} balance for account {id}";
                cv += v;
            }
            if (cv != accounts.Rows[acct].CollateralValue) return $"collateral value stale for account {id}";
            if (acct != RiskEngine.FundAccount)
                for (int s = 0; s < pp; s++)
                {
                    int part = acct * pp + s;
                    if (s > 0 && !accounts.IsolatedMode[acct * ni + s - 1]) continue;
                    if (engine.Evaluate(part) != accounts.Health(part)) return $"stored health stale for account {id} slot {s}";
                }
        }
        for (int a = 0; a < market.AssetCount; a++)
            if (engine.LedgerSum(a) != 0) return $"ledger of {market.Assets[a].Id} sums to {engine.LedgerSum(a)}";
        return null;
    }
}
