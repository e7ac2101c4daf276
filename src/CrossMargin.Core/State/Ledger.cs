using CrossMargin.Core.Kernels;
using CrossMargin.Core.Snapshot;

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

    /// <summary>
    /// Σ of every ledger entry of one asset: account balances and isolated margins (the fund's
    /// included), the fee pool and the clearing account. Double entry keeps it exactly 0 (§6).
    /// </summary>
    public long Sum(int asset, AccountTable accounts, KernelMode kernel)
    {
        long sum = Clearing[asset];
        for (int a = 0; a < accounts.Count; a++) sum += accounts.Balance(a, asset); // account-major: strided column
        if (asset == 0) sum += MarginKernels.Sum(kernel, accounts.IsolatedMargin.AsSpan(0, accounts.Count * accounts.InstrumentStride)) + FeePool;
        return sum;
    }

    /// <summary>Snapshot: every clearing balance and the fee pool.</summary>
    public void WriteTo(SnapshotWriter w)
    {
        w.Write<long>(Clearing);
        w.Write(FeePool);
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote.</summary>
    public void ReadFrom(SnapshotReader r)
    {
        r.Read<long>(Clearing);
        FeePool = r.Read<long>();
    }
}
