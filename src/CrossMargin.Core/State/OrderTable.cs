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
}
