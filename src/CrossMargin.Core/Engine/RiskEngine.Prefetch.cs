using System.Runtime.CompilerServices;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Core.Engine;

// Look-ahead prefetch (issue 8, item 4). An account's hot data is a few whole cache lines
// (State/AccountTable: the account row, its position rows, the slot and mode columns, its order
// ids), all at addresses computed from the account index alone, so one resolved index is enough
// to start every load an input will make; the CPU overlaps them with the inputs in between.
// The settlement and re-band look-ahead is AccountTable.PrefetchPart*; every hint goes through Kernels/CacheHint.
public sealed partial class RiskEngine
{
    /// <summary>
    /// Stage 1 of the look-ahead: hints the CPU to load the account-index slot of an input that is a
    /// few inputs ahead in the batch (no dependent load, never blocks). Call it about twice as far
    /// ahead as <see cref="Prefetch"/>.
    /// </summary>
    public void PrefetchLookup(in RiskInput input)
    {
        if (TouchesAccount(input.Kind)) _accounts.Index.PrefetchSlot(input.Account);
    }

    /// <summary>
    /// Stage 2 of the look-ahead: resolves the account of an input a few inputs ahead in the batch and
    /// hints the CPU to load every cache line its processing will read: the account row (balance,
    /// cross sums, health, order count), the (account, instrument) position row, slot and mode,
    /// the isolated part's health and the open order ids. Changes no state; a hint only, so an input
    /// that changes before it is processed is still handled exactly.
    /// </summary>
    public unsafe void Prefetch(in RiskInput input)
    {
        if (!CacheHint.Supported || !TouchesAccount(input.Kind)) return;
        if (!_accounts.Index.TryGetValue(input.Account, out int acct)) return;
        int instr = input.Kind is InputKind.Order or InputKind.Fill ? input.Instrument : -1;
        _accounts.Prefetch(acct, instr);
        if (input.Kind is InputKind.Order or InputKind.Cancel or InputKind.Fill) CacheHint.Load(Unsafe.AsPointer(ref _orders.Id[acct * _orders.PerAccount]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TouchesAccount(InputKind kind) =>
        kind is InputKind.Order or InputKind.Cancel or InputKind.Fill or InputKind.Withdraw or InputKind.Deposit or InputKind.Query;
}
