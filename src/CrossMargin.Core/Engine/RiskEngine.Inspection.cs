using CrossMargin.Core.Audit;
using CrossMargin.Core.State;
using CrossMargin.Core.Trigger;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Numerics;
using CrossMargin.Core.Rules;

namespace CrossMargin.Core.Engine;

// Read-only views for operators, tests and benchmarks: the ledger, per-part figures, and a full
// recomputation that proves the incrementally maintained sums.
public sealed partial class RiskEngine
{
    /// <summary>
    /// Σ of every ledger entry of one asset: account balances and isolated margins, the insurance
    /// fund, the fee pool and the clearing account. Double entry keeps it exactly 0 (§6).
    /// </summary>
    public long LedgerSum(int asset) => _ledger.Sum(asset, _accounts, Kernel);

    /// <summary>E = CV + Σ uPnL of the part (§2).</summary>
    private long Equity(int part) { Figures(part, out long e, out _, out _); return e; }

    /// <summary>IMreq = Σ IM_j + Σ open loss (§3).</summary>
    private long InitialRequirement(int part) { Figures(part, out _, out long im, out _); return im; }

    /// <summary>MMreq = Σ MM_j (§3).</summary>
    private long MaintenanceRequirement(int part) { Figures(part, out _, out _, out long mm); return mm; }

    /// <summary>E, IMreq, MMreq of a part (exact: index mode refreshes stale caches first).</summary>
    private void Figures(int part, out long equity, out long im, out long mm) =>
        HealthClassifier.Figures(_market, _accounts, Trigger == TriggerMode.Index, part, out equity, out im, out mm, out _);

    /// <summary>The health a part has now, in the priority order of §4.</summary>
    internal HealthState Evaluate(int part) => HealthClassifier.Evaluate(_market, _accounts, Trigger == TriggerMode.Index, part);

    /// <summary>Brings every cached figure of an account to the current marks and index prices (index mode; not a state change).</summary>
    internal void RefreshAccount(int acct) => SlotValuation.RefreshAccount(_market, _accounts, acct);

    // The named state, for the audits (internal: the rules' contract, not the public API).
    internal MarketTable Market => _market;
    internal AccountTable Accounts => _accounts;
    internal OrderTable Orders => _orders;

    /// <summary>The fee pool's balance, micro-units.</summary>
    public long FeePool => _ledger.FeePool;

    /// <summary>The clearing account's balance of an asset.</summary>
    public long Clearing(int asset) => _ledger.Clearing[asset];

    /// <summary>Health of the cross part of an account.</summary>
    public HealthState CrossHealth(long accountId) => _accounts.Health(_accounts.CrossPart(_accounts.Index[accountId]));

    /// <summary>Health of the isolated part (account, instrument).</summary>
    public HealthState IsolatedHealth(long accountId, int instrument) => _accounts.Health(_accounts.Index[accountId] * _pp + 1 + instrument);

    /// <summary>True when (account, instrument) is in isolated mode.</summary>
    public bool IsIsolated(long accountId, int instrument) => _accounts.IsolatedMode[_accounts.Index[accountId] * _ni + instrument];

    /// <summary>E, IMreq, MMreq of the cross part (or of the isolated part when <paramref name="instrument"/> ≥ 0).</summary>
    public (long Equity, long Im, long Mm) Figures(long accountId, int instrument = -1)
    {
        int acct = _accounts.Index[accountId];
        int part = instrument < 0 ? _accounts.CrossPart(acct) : acct * _pp + 1 + instrument;
        return (Equity(part), InitialRequirement(part), MaintenanceRequirement(part));
    }

    /// <summary>The health the part would evaluate to now (equals the stored one after every input).</summary>
    public HealthState EvaluateHealth(long accountId, int instrument = -1)
    {
        int acct = _accounts.Index[accountId];
        return Evaluate(instrument < 0 ? _accounts.CrossPart(acct) : acct * _pp + 1 + instrument);
    }

    /// <summary>Open liquidation orders of the cross part (or the isolated part).</summary>
    public int OpenLiquidationOrders(long accountId, int instrument = -1)
    {
        int acct = _accounts.Index[accountId];
        return _accounts.LiqOpen[instrument < 0 ? _accounts.CrossPart(acct) : acct * _pp + 1 + instrument];
    }

    /// <summary>Signed position lots of (account, instrument).</summary>
    public long PositionLots(long accountId, int instrument)
    {
        return _accounts.Position(_accounts.Index[accountId], instrument).Qty; // zero without a slot
    }

    /// <summary>Signed lots the insurance fund holds on an instrument.</summary>
    public long FundPositionLots(int instrument)
    {
        return _accounts.Position(FundAccount, instrument).Qty;
    }

    /// <summary>Number of open (non-liquidation) orders of an account.</summary>
    public int OpenOrderCount(long accountId) => _orders.CountOf(_accounts.Index[accountId]);

    /// <summary>Account ids in creation order (allocates; tools and tests only).</summary>
    public long[] AccountIds()
    {
        var ids = new long[_accounts.Count - 1];
        for (int a = 1; a < _accounts.Count; a++) ids[a - 1] = _accounts.Rows[a].Id;
        return ids;
    }

    /// <summary>Holder slots of an instrument (the cost driver of a mark tick).</summary>
    public int HolderCount(int instrument) => _market.Positions[instrument].Count;

    /// <summary>
    /// Recomputes every cached per-position value and per-account sum from the raw state (lots,
    /// basis, open orders, balances, marks, index prices) with the per-account SIMD sum kernel,
    /// and compares with what the engine maintains incrementally. Returns null when all agree,
    /// else a description of the first difference. Allocates; tests and audits only.
    /// </summary>
    public string? VerifyCaches() => CacheVerifier.Verify(this);
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
        for (int acct = 1; acct < _accounts.Count; acct++)
            for (int s = 0; s < _pp; s++)
            {
                if (s > 0 && (s - 1 >= _market.InstrumentCount || !_accounts.IsolatedMode[acct * _ni + s - 1])) continue;
                int part = acct * _pp + s;
                var h = _accounts.Health(part);
                switch (h)
                {
                    case HealthState.Healthy: healthy++; break;
                    case HealthState.Restricted: restricted++; break;
                    case HealthState.Liquidating: liquidating++; if (_accounts.LiqOpen[part] == 0) orphan++; break;
                    default: bankrupt++; break;
                }
                if (Evaluate(part) != h) stale++;
            }
        return new HealthCensus(healthy, restricted, liquidating, bankrupt, orphan, stale);
    }
}
