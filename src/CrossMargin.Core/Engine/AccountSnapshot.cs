using CrossMargin.Core.Trigger;
namespace CrossMargin.Core.Engine;

/// <summary>
/// A reusable, pre-sized snapshot of one account (or of the insurance fund) for query answers:
/// filled by <see cref="RiskEngine.Snapshot"/> without allocating.
/// </summary>
public sealed class AccountSnapshot
{
    /// <summary>Creates a snapshot able to hold every asset and instrument of <paramref name="engine"/>.</summary>
    public AccountSnapshot(RiskEngine engine) : this(engine.Capacities.Assets, engine.Capacities.Instruments)
    {
    }

    /// <summary>Creates a snapshot for up to <paramref name="assets"/> balances and <paramref name="instruments"/> positions (clients decoding decisions have no engine).</summary>
    public AccountSnapshot(int assets, int instruments)
    {
        Balances = new long[assets];
        Positions = new PositionView[instruments];
    }

    /// <summary>Account id (−1 for the fund).</summary>
    public long Account;
    /// <summary>Cross part health.</summary>
    public HealthState Health;
    /// <summary>Cross part E, IMreq (incl. open loss), MMreq, open loss.</summary>
    public long Equity, Im, Mm, OpenLoss;
    /// <summary>Balances by asset index (settlement in micro-units, others in asset units).</summary>
    public readonly long[] Balances;
    /// <summary>Number of assets defined.</summary>
    public int AssetCount;
    /// <summary>Listed positions in instrument order (cross with q ≠ 0; isolated with q or margin ≠ 0).</summary>
    public readonly PositionView[] Positions;
    /// <summary>Number of listed positions.</summary>
    public int PositionCount;
}

/// <summary>One position entry of an <see cref="AccountSnapshot"/>.</summary>
public struct PositionView
{
    /// <summary>Instrument index.</summary>
    public int Instrument;
    /// <summary>Signed lots.</summary>
    public long Qty;
    /// <summary>Signed cost, micro-units.</summary>
    public long Basis;
    /// <summary>Unrealized PnL at mark, micro-units.</summary>
    public long Upnl;
    /// <summary>True for an isolated position.</summary>
    public bool Isolated;
    /// <summary>Isolated margin, micro-units.</summary>
    public long Margin;
    /// <summary>Health of the isolated part.</summary>
    public HealthState Health;
}

public sealed partial class RiskEngine
{
    /// <summary>Fills <paramref name="s"/> for an account; false if it does not exist.</summary>
    public bool Snapshot(long accountId, AccountSnapshot s)
    {
        if (!TryAccount(accountId, out int acct)) return false;
        Fill(acct, s);
        return true;
    }

    /// <summary>Fills <paramref name="s"/> with the insurance fund: balance, taken-over collateral and positions.</summary>
    public void SnapshotFund(AccountSnapshot s) => Fill(FundAccount, s);

    /// <summary>The insurance fund's settlement balance, micro-units (negative when ADL could not recover a shortfall).</summary>
    public long FundBalance => _accounts.Rows[FundAccount].Cash;

    private void Fill(int acct, AccountSnapshot s)
    {
        int part = _accounts.CrossPart(acct);
        if (Trigger == TriggerMode.Index) RefreshAccount(acct);
        s.Account = _accounts.Rows[acct].Id;
        s.Health = _accounts.Health(part);
        s.Equity = Equity(part);
        s.OpenLoss = _accounts.Rows[acct].CrossOpenLoss;
        s.Im = InitialRequirement(part);
        s.Mm = MaintenanceRequirement(part);
        s.AssetCount = _market.AssetCount;
        for (int a = 0; a < _market.AssetCount; a++) s.Balances[a] = _accounts.Balance(acct, a);
        int n = 0;
        for (int i = 0; i < _market.InstrumentCount; i++)
        {
            int k = acct * _ni + i;
            ref var p = ref _accounts.Positions[k]; // all zero without a slot
            bool iso = _accounts.IsolatedMode[k] && acct != FundAccount;
            long q = p.Qty;
            long margin = iso ? _accounts.IsolatedMargin[k] : 0;
            if (q == 0 && margin == 0) continue;
            s.Positions[n++] = new PositionView
            {
                Instrument = i, Qty = q, Basis = p.Basis, Upnl = p.Upnl,
                Isolated = iso, Margin = margin, Health = iso ? _accounts.Health(acct * _pp + 1 + i) : HealthState.Healthy,
            };
        }
        s.PositionCount = n;
    }
}
