namespace CrossMargin.Core.State;

/// <summary>
/// The ledger entries that belong to no account (§6): the clearing account per asset, the
/// counterparty of every deposit, withdrawal, realized PnL and funding payment, and the fee pool.
/// With the account balances and isolated margins (<see cref="AccountTable"/>) and the fund
/// (account 0) every asset's entries sum to exactly 0.
/// </summary>
internal sealed class Ledger
{
    /// <summary>Clearing account balance per asset.</summary>
    public readonly long[] Clearing;
    /// <summary>Fee pool balance, micro-units of the settlement asset.</summary>
    public long FeePool;

    public Ledger(int assets) => Clearing = new long[assets];
}
