using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// Open (non-liquidation) orders, struct-of-arrays, dense per account:
/// <c>[acct × ordersPerAccount + k]</c> for k &lt; <see cref="CountOf"/>(acct), the count being in the
/// account's hot row (<see cref="AccountRow.OrderCount"/>). Removal moves the account's last order
/// into the hole, so slot order is not id order.
/// </summary>
internal sealed class OrderTable
{
    private readonly int _perAccount;
    private readonly AccountTable _accounts;
    public readonly long[] Id;
    public readonly int[] Instrument;
    public readonly sbyte[] Side;
    public readonly long[] Remaining;
    public readonly long[] LossPerLot; // open loss per lot, fixed at acceptance (a whole number of µ)
    public readonly bool[] ReduceOnly;

    public OrderTable(AccountTable accounts, int perAccount)
    {
        _accounts = accounts;
        _perAccount = perAccount;
        Id = new long[accounts.Capacity * perAccount];
        Instrument = new int[accounts.Capacity * perAccount];
        Side = new sbyte[accounts.Capacity * perAccount];
        Remaining = new long[accounts.Capacity * perAccount];
        LossPerLot = new long[accounts.Capacity * perAccount];
        ReduceOnly = new bool[accounts.Capacity * perAccount];
    }

    /// <summary>Orders an account may hold open.</summary>
    public int PerAccount => _perAccount;

    /// <summary>Open orders of an account (in its hot row).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public ref int CountOf(int acct) => ref _accounts.Rows[acct].OrderCount;

    /// <summary>Index k of an open order (absolute into the arrays), −1 if none.</summary>
    public int Find(int acct, long orderId)
    {
        int k = Id.AsSpan(acct * _perAccount, CountOf(acct)).IndexOf(orderId); // vectorised search
        return k < 0 ? -1 : acct * _perAccount + k;
    }

    /// <summary>Appends an order to an account's row (the caller checked there is room); returns its index.</summary>
    public int Add(int acct, long id, int instrument, sbyte side, long lots, long lossPerLot, bool reduceOnly)
    {
        int k = acct * _perAccount + CountOf(acct)++;
        Id[k] = id; Instrument[k] = instrument; Side[k] = side;
        Remaining[k] = lots; LossPerLot[k] = lossPerLot; ReduceOnly[k] = reduceOnly;
        return k;
    }

    /// <summary>Removes order k by moving the account's last order into it.</summary>
    public void RemoveAt(int acct, int k)
    {
        int last = acct * _perAccount + --CountOf(acct);
        if (k == last) return;
        Id[k] = Id[last]; Instrument[k] = Instrument[last]; Side[k] = Side[last];
        Remaining[k] = Remaining[last]; LossPerLot[k] = LossPerLot[last]; ReduceOnly[k] = ReduceOnly[last];
    }

    /// <summary>Snapshot: per-account counts of the first <paramref name="accounts"/> rows, then each column's open orders only (rows are mostly empty).</summary>
    public void WriteTo(SnapshotWriter w, int accounts)
    {
        // The counts travel in the account rows (written before this table).
        WriteColumn(w, Id, accounts); WriteColumn(w, Instrument, accounts); WriteColumn(w, Side, accounts);
        WriteColumn(w, Remaining, accounts); WriteColumn(w, LossPerLot, accounts); WriteColumn(w, ReduceOnly, accounts);
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a fresh table.</summary>
    public void ReadFrom(SnapshotReader r, int accounts)
    {
        for (int a = 0; a < accounts; a++)
            if ((uint)CountOf(a) > (uint)_perAccount) throw r.Fail($"account row {a} has {CountOf(a)} open orders, above the {_perAccount} a row holds");
        ReadColumn(r, Id, accounts); ReadColumn(r, Instrument, accounts); ReadColumn(r, Side, accounts);
        ReadColumn(r, Remaining, accounts); ReadColumn(r, LossPerLot, accounts); ReadColumn(r, ReduceOnly, accounts);
    }

    private void WriteColumn<T>(SnapshotWriter w, T[] column, int accounts) where T : unmanaged
    {
        for (int a = 0; a < accounts; a++) if (CountOf(a) > 0) w.Write<T>(column.AsSpan(a * _perAccount, CountOf(a)));
    }

    private void ReadColumn<T>(SnapshotReader r, T[] column, int accounts) where T : unmanaged
    {
        for (int a = 0; a < accounts; a++) if (CountOf(a) > 0) r.Read<T>(column.AsSpan(a * _perAccount, CountOf(a)));
    }
}
