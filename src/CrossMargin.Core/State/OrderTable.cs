using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// Open (non-liquidation) orders, struct-of-arrays, dense per account:
/// <c>[acct × ordersPerAccount + k]</c> for k &lt; <see cref="Count"/>[acct]. Removal moves the
/// account's last order into the hole, so slot order is not id order.
/// </summary>
internal sealed class OrderTable
{
    private readonly int _perAccount;
    public readonly long[] Id;
    public readonly int[] Instrument;
    public readonly sbyte[] Side;
    public readonly long[] Remaining;
    public readonly long[] LossPerLot; // open loss per lot, fixed at acceptance (a whole number of µ)
    public readonly bool[] ReduceOnly;
    public readonly int[] Count;       // open orders per account

    public OrderTable(int accounts, int perAccount)
    {
        _perAccount = perAccount;
        Id = new long[accounts * perAccount];
        Instrument = new int[accounts * perAccount];
        Side = new sbyte[accounts * perAccount];
        Remaining = new long[accounts * perAccount];
        LossPerLot = new long[accounts * perAccount];
        ReduceOnly = new bool[accounts * perAccount];
        Count = new int[accounts];
    }

    /// <summary>Orders an account may hold open.</summary>
    public int PerAccount => _perAccount;

    /// <summary>Index k of an open order (absolute into the arrays), −1 if none.</summary>
    public int Find(int acct, long orderId)
    {
        int k = Id.AsSpan(acct * _perAccount, Count[acct]).IndexOf(orderId); // vectorised search
        return k < 0 ? -1 : acct * _perAccount + k;
    }

    /// <summary>Appends an order to an account's row (the caller checked there is room); returns its index.</summary>
    public int Add(int acct, long id, int instrument, sbyte side, long lots, long lossPerLot, bool reduceOnly)
    {
        int k = acct * _perAccount + Count[acct]++;
        Id[k] = id; Instrument[k] = instrument; Side[k] = side;
        Remaining[k] = lots; LossPerLot[k] = lossPerLot; ReduceOnly[k] = reduceOnly;
        return k;
    }

    /// <summary>Removes order k by moving the account's last order into it.</summary>
    public void RemoveAt(int acct, int k)
    {
        int last = acct * _perAccount + --Count[acct];
        if (k == last) return;
        Id[k] = Id[last]; Instrument[k] = Instrument[last]; Side[k] = Side[last];
        Remaining[k] = Remaining[last]; LossPerLot[k] = LossPerLot[last]; ReduceOnly[k] = ReduceOnly[last];
    }

    /// <summary>Snapshot: per-account counts of the first <paramref name="accounts"/> rows, then each column's open orders only (rows are mostly empty).</summary>
    public void WriteTo(SnapshotWriter w, int accounts)
    {
        w.Write<int>(Count.AsSpan(0, accounts));
        WriteColumn(w, Id, accounts); WriteColumn(w, Instrument, accounts); WriteColumn(w, Side, accounts);
        WriteColumn(w, Remaining, accounts); WriteColumn(w, LossPerLot, accounts); WriteColumn(w, ReduceOnly, accounts);
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a fresh table.</summary>
    public void ReadFrom(SnapshotReader r, int accounts)
    {
        r.Read<int>(Count.AsSpan(0, accounts));
        for (int a = 0; a < accounts; a++)
            if ((uint)Count[a] > (uint)_perAccount) throw r.Fail($"account row {a} has {Count[a]} open orders, above the {_perAccount} a row holds");
        ReadColumn(r, Id, accounts); ReadColumn(r, Instrument, accounts); ReadColumn(r, Side, accounts);
        ReadColumn(r, Remaining, accounts); ReadColumn(r, LossPerLot, accounts); ReadColumn(r, ReduceOnly, accounts);
    }

    private void WriteColumn<T>(SnapshotWriter w, T[] column, int accounts) where T : unmanaged
    {
        for (int a = 0; a < accounts; a++) if (Count[a] > 0) w.Write<T>(column.AsSpan(a * _perAccount, Count[a]));
    }

    private void ReadColumn<T>(SnapshotReader r, T[] column, int accounts) where T : unmanaged
    {
        for (int a = 0; a < accounts; a++) if (Count[a] > 0) r.Read<T>(column.AsSpan(a * _perAccount, Count[a]));
    }
}
