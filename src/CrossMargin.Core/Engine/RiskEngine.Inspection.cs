using CrossMargin.Core.Trigger;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Numerics;

namespace CrossMargin.Core.Engine;

// Read-only views for operators, tests and benchmarks: the ledger, per-part figures, and a full
// recomputation that proves the incrementally maintained sums.
public sealed partial class RiskEngine
{
    /// <summary>
    /// Σ of every ledger entry of one asset: account balances and isolated margins, the insurance
    /// fund, the fee pool and the clearing account. Double entry keeps it exactly 0 (§6).
    /// </summary>
    public long LedgerSum(int asset)
    {
        long sum = _clearing[asset];
        for (int a = 0; a < _accountCount; a++) sum += _balance[a * _na + asset]; // account-major: strided column
        if (asset == 0) sum += MarginKernels.Sum(Kernel, _isolatedMargin.AsSpan(0, _accountCount * _ni)) + _feePool;
        return sum;
    }

    /// <summary>The fee pool's balance, micro-units.</summary>
    public long FeePool => _feePool;

    /// <summary>The clearing account's balance of an asset.</summary>
    public long Clearing(int asset) => _clearing[asset];

    /// <summary>Health of the cross part of an account.</summary>
    public HealthState CrossHealth(long accountId) => _health[CrossPart(_accountIndex[accountId])];

    /// <summary>Health of the isolated part (account, instrument).</summary>
    public HealthState IsolatedHealth(long accountId, int instrument) => _health[_accountIndex[accountId] * _pp + 1 + instrument];

    /// <summary>True when (account, instrument) is in isolated mode.</summary>
    public bool IsIsolated(long accountId, int instrument) => _isolatedMode[_accountIndex[accountId] * _ni + instrument];

    /// <summary>E, IMreq, MMreq of the cross part (or of the isolated part when <paramref name="instrument"/> ≥ 0).</summary>
    public (long Equity, long Im, long Mm) Figures(long accountId, int instrument = -1)
    {
        int acct = _accountIndex[accountId];
        int part = instrument < 0 ? CrossPart(acct) : acct * _pp + 1 + instrument;
        return (Equity(part), InitialRequirement(part), MaintenanceRequirement(part));
    }

    /// <summary>The health the part would evaluate to now (equals the stored one after every input).</summary>
    public HealthState EvaluateHealth(long accountId, int instrument = -1)
    {
        int acct = _accountIndex[accountId];
        return Evaluate(instrument < 0 ? CrossPart(acct) : acct * _pp + 1 + instrument);
    }

    /// <summary>Open liquidation orders of the cross part (or the isolated part).</summary>
    public int OpenLiquidationOrders(long accountId, int instrument = -1)
    {
        int acct = _accountIndex[accountId];
        return _liqOpen[instrument < 0 ? CrossPart(acct) : acct * _pp + 1 + instrument];
    }

    /// <summary>Signed position lots of (account, instrument).</summary>
    public long PositionLots(long accountId, int instrument)
    {
        int j = _positionSlot[_accountIndex[accountId] * _ni + instrument];
        return j >= 0 ? _tables[instrument].Qty[j] : 0;
    }

    /// <summary>Signed lots the insurance fund holds on an instrument.</summary>
    public long FundPositionLots(int instrument)
    {
        int j = _positionSlot[FundAccount * _ni + instrument];
        return j >= 0 ? _tables[instrument].Qty[j] : 0;
    }

    /// <summary>Number of open (non-liquidation) orders of an account.</summary>
    public int OpenOrderCount(long accountId) => _orderCount[_accountIndex[accountId]];

    /// <summary>Account ids in creation order (allocates; tools and tests only).</summary>
    public long[] AccountIds()
    {
        var ids = new long[_accountCount - 1];
        Array.Copy(_accountId, 1, ids, 0, ids.Length);
        return ids;
    }

    /// <summary>Holder slots of an instrument (the cost driver of a mark tick).</summary>
    public int HolderCount(int instrument) => _tables[instrument].Count;

    /// <summary>
    /// Recomputes every cached per-position value and per-account sum from the raw state (lots,
    /// basis, open orders, balances, marks, index prices) with the per-account SIMD sum kernel,
    /// and compares with what the engine maintains incrementally. Returns null when all agree,
    /// else a description of the first difference. Allocates; tests and audits only.
    /// </summary>
    public string? VerifyCaches()
    {
        var upnl = new long[_ni]; var im = new long[_ni]; var mm = new long[_ni]; var ol = new long[_ni];
        // Index mode keeps caches stale on purpose between reads: bring them to the marks first (no state change).
        if (Trigger == TriggerMode.Index) for (int acct = 0; acct < _accountCount; acct++) RefreshAccount(acct);
        for (int acct = 0; acct < _accountCount; acct++)
        {
            int n = 0, positions = 0;
            for (int i = 0; i < _instrumentCount; i++)
            {
                int j = _positionSlot[acct * _ni + i];
                if (j < 0) continue;
                var t = _tables[i];
                var ins = _instruments[i];
                if (t.Account[j] != acct) return $"slot index broken for account {_accountId[acct]} on {ins.Id}";
                long q = t.Qty[j];
                ins.SlotFigures(q, t.Basis[j], t.Buy[j], t.Sell[j], out long u, out long iv, out long m);
                if (u != t.Upnl[j] || m != t.Mm[j] || iv != t.Im[j]) return $"cached uPnL/IM/MM stale for account {_accountId[acct]} on {ins.Id}";
                long loss = 0, buy = 0, sell = 0;
                for (int k = acct * _no; k < acct * _no + _orderCount[acct]; k++)
                {
                    if (_orderInstrument[k] != i) continue;
                    loss += _orderRemaining[k] * _orderLossPerLot[k];
                    if (_orderSide[k] > 0) buy += _orderRemaining[k]; else sell += _orderRemaining[k];
                }
                if (loss != t.OpenLoss[j] || buy != t.Buy[j] || sell != t.Sell[j]) return $"open orders out of step for account {_accountId[acct]} on {ins.Id}";
                if (t.Part[j] % _pp != 0) continue;
                upnl[n] = u; im[n] = iv; mm[n] = m; ol[n] = loss; n++;
                if (q != 0) positions++;
            }
            if (MarginKernels.Sum(Kernel, upnl.AsSpan(0, n)) != _crossUpnl[acct] || MarginKernels.Sum(Kernel, im.AsSpan(0, n)) != _crossIm[acct]
                || MarginKernels.Sum(Kernel, mm.AsSpan(0, n)) != _crossMm[acct] || MarginKernels.Sum(Kernel, ol.AsSpan(0, n)) != _crossOpenLoss[acct]
                || positions != _crossPositions[acct])
                return $"cross sums stale for account {_accountId[acct]}";
            long cv = 0;
            for (int a = 1; a < _assetCount; a++)
            {
                long v = _assets[a].HaircutValue(_balance[acct * _na + a]);
                if (v != _assetValue[acct * _na + a]) return $"haircut value stale for account {_accountId[acct]} asset {_assets[a].Id}";
                if (_balance[acct * _na + a] < 0) return $"negative {_assets[a].Id} balance for account {_accountId[acct]}";
                cv += v;
            }
            if (cv != _collateralValue[acct]) return $"collateral value stale for account {_accountId[acct]}";
            if (acct != FundAccount)
                for (int s = 0; s < _pp; s++)
                {
                    int part = acct * _pp + s;
                    if (s > 0 && !_isolatedMode[acct * _ni + s - 1]) continue;
                    if (Evaluate(part) != _health[part]) return $"stored health stale for account {_accountId[acct]} slot {s}";
                }
        }
        for (int a = 0; a < _assetCount; a++)
            if (LedgerSum(a) != 0) return $"ledger of {_assets[a].Id} sums to {LedgerSum(a)}";
        return null;
    }
}

/// <summary>Counts of parts by health, from one pass over the part arrays (no lookups).</summary>
public readonly record struct HealthCensus(int Healthy, int Restricted, int Liquidating, int Bankrupt, int LiquidatingWithoutOrder, int StaleHealth);

public sealed partial class RiskEngine
{
    /// <summary>
    /// Health of every live part (cross parts and isolated parts in isolated mode), how many are
    /// liquidating with no liquidation order open (should be 0), and how many have a stored health
    /// different from what they evaluate to now (should be 0 after every input).
    /// </summary>
    public HealthCensus Census()
    {
        int healthy = 0, restricted = 0, liquidating = 0, bankrupt = 0, orphan = 0, stale = 0;
        for (int acct = 1; acct < _accountCount; acct++)
            for (int s = 0; s < _pp; s++)
            {
                if (s > 0 && (s - 1 >= _instrumentCount || !_isolatedMode[acct * _ni + s - 1])) continue;
                int part = acct * _pp + s;
                var h = _health[part];
                switch (h)
                {
                    case HealthState.Healthy: healthy++; break;
                    case HealthState.Restricted: restricted++; break;
                    case HealthState.Liquidating: liquidating++; if (_liqOpen[part] == 0) orphan++; break;
                    default: bankrupt++; break;
                }
                if (Evaluate(part) != h) stale++;
            }
        return new HealthCensus(healthy, restricted, liquidating, bankrupt, orphan, stale);
    }
}
