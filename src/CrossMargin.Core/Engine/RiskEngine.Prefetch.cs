using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CrossMargin.Core.Engine;

// Look-ahead prefetch (issue 8, item 4). An account's hot data is a few whole cache lines
// (State/AccountTable: the account row, its position rows, the slot and mode columns, its order
// ids), all at addresses computed from the account index alone, so one resolved index is enough
// to start every load an input will make; the CPU overlaps them with the inputs in between.
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
        if (!Sse.IsSupported || !TouchesAccount(input.Kind)) return;
        if (!_accounts.Index.TryGetValue(input.Account, out int acct)) return;
        int instr = input.Kind is InputKind.Order or InputKind.Fill ? input.Instrument : -1;
        _accounts.Prefetch(acct, instr);
        if (input.Kind is InputKind.Order or InputKind.Cancel or InputKind.Fill) Sse.Prefetch0(Unsafe.AsPointer(ref _orders.Id[acct * _no]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TouchesAccount(InputKind kind) =>
        kind is InputKind.Order or InputKind.Cancel or InputKind.Fill or InputKind.Withdraw or InputKind.Deposit or InputKind.Query;

    /// <summary>Settlement look-ahead stage 1 for a part about to be evaluated: its account row and its slot and mode columns.</summary>
    private unsafe void PrefetchPartRows(int part)
    {
        if (!Sse.IsSupported) return;
        int acct = part / _pp, row = acct * _ni;
        _accounts.Rows.Prefetch(acct);
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.PositionSlot[row]));
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.IsolatedMode[row]));
    }

    /// <summary>Stage 2: the position rows of the part's slots (the slot column is in cache after stage 1).</summary>
    private void PrefetchPartSlots(int part)
    {
        if (!Sse.IsSupported) return;
        int acct = part / _pp, slot = part - acct * _pp, row = acct * _ni;
        if (slot > 0) { _accounts.Positions.Prefetch(row + slot - 1); return; }
        for (int i = 0; i < _market.InstrumentCount; i++)
            if (_accounts.PositionSlot[row + i] >= 0) _accounts.Positions.Prefetch(row + i);
    }

    /// <summary>Settlement look-ahead for a part about to be visited: the lines a liquidation round writes (its open-order count and round flag, the liquidation order columns).</summary>
    private unsafe void PrefetchPartLiquidation(int part)
    {
        if (!Sse.IsSupported) return;
        int acct = part / _pp, slot = part - acct * _pp, k = acct * _ni + (slot > 0 ? slot - 1 : 0);
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.LiqOpen[part]));
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.RoundDue[part]));
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.LiqRemaining[k]));
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.LiqPrice[k]));
        Sse.Prefetch0(Unsafe.AsPointer(ref _accounts.LiqSide[k]));
    }
}
