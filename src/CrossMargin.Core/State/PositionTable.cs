using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// Struct-of-arrays table of every position slot on one instrument: the instrument's holder
/// index. A mark tick walks exactly these dense arrays (SIMD), so its cost grows with the
/// instrument's holders, not with the number of accounts. A slot lives while its position or
/// its open orders are non-zero; removal swaps the last slot into the hole.
/// </summary>
internal sealed class PositionTable
{
    public readonly int[] Account;   // account index
    public readonly int[] Part;      // part id the slot belongs to (cross or isolated)
    public readonly long[] Qty;      // signed lots
    public readonly long[] Basis;    // signed cost, micro-units
    public readonly long[] Buy;      // open buy lots (B)
    public readonly long[] Sell;     // open sell lots (S)
    public readonly long[] OpenLoss; // Σ open loss of the slot's orders, micro-units
    // Cached contributions, kept equal to a full recomputation at the current mark.
    public readonly long[] Upnl, Im, Mm;
    public readonly long[] MarkAt;   // mark (ticks) the cached Upnl/Im/Mm were computed at (index mode refreshes on demand)
    public int Count;
    // Instrument-level aggregates over every slot (fund included), kept on every trade so a tick reads them in O(1).
    public Int128 SumQty, SumBasis;
    public long LongLots;

    public PositionTable(int capacity)
    {
        Account = new int[capacity];
        Part = new int[capacity];
        Qty = new long[capacity];
        Basis = new long[capacity];
        Buy = new long[capacity];
        Sell = new long[capacity];
        OpenLoss = new long[capacity];
        Upnl = new long[capacity];
        Im = new long[capacity];
        Mm = new long[capacity];
        MarkAt = new long[capacity];
    }

    public int Capacity => Qty.Length;

    /// <summary>Appends an empty slot; returns −1 when full.</summary>
    public int Add(int account, int part)
    {
        if (Count == Qty.Length) return -1;
        int j = Count++;
        Account[j] = account; Part[j] = part;
        Qty[j] = Basis[j] = Buy[j] = Sell[j] = OpenLoss[j] = Upnl[j] = Im[j] = Mm[j] = MarkAt[j] = 0;
        return j;
    }

    /// <summary>Removes slot j by moving the last slot into it; returns the account index moved (or −1).</summary>
    public int RemoveAt(int j)
    {
        int last = --Count;
        if (j == last) return -1;
        Account[j] = Account[last]; Part[j] = Part[last]; Qty[j] = Qty[last]; Basis[j] = Basis[last];
        Buy[j] = Buy[last]; Sell[j] = Sell[last]; OpenLoss[j] = OpenLoss[last];
        Upnl[j] = Upnl[last]; Im[j] = Im[last]; Mm[j] = Mm[last]; MarkAt[j] = MarkAt[last];
        return Account[j];
    }

    /// <summary>Snapshot: the slots in use, column by column, and the instrument aggregates.</summary>
    public void WriteTo(SnapshotWriter w)
    {
        int n = Count;
        w.Write(n);
        w.Write<int>(Account.AsSpan(0, n)); w.Write<int>(Part.AsSpan(0, n));
        w.Write<long>(Qty.AsSpan(0, n)); w.Write<long>(Basis.AsSpan(0, n)); w.Write<long>(Buy.AsSpan(0, n)); w.Write<long>(Sell.AsSpan(0, n));
        w.Write<long>(OpenLoss.AsSpan(0, n)); w.Write<long>(Upnl.AsSpan(0, n)); w.Write<long>(Im.AsSpan(0, n)); w.Write<long>(Mm.AsSpan(0, n));
        w.Write<long>(MarkAt.AsSpan(0, n));
        w.Write(SumQty); w.Write(SumBasis); w.Write(LongLots);
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a fresh table.</summary>
    public void ReadFrom(SnapshotReader r)
    {
        int n = r.ReadCount("holder slots", Capacity);
        r.Read<int>(Account.AsSpan(0, n)); r.Read<int>(Part.AsSpan(0, n));
        r.Read<long>(Qty.AsSpan(0, n)); r.Read<long>(Basis.AsSpan(0, n)); r.Read<long>(Buy.AsSpan(0, n)); r.Read<long>(Sell.AsSpan(0, n));
        r.Read<long>(OpenLoss.AsSpan(0, n)); r.Read<long>(Upnl.AsSpan(0, n)); r.Read<long>(Im.AsSpan(0, n)); r.Read<long>(Mm.AsSpan(0, n));
        r.Read<long>(MarkAt.AsSpan(0, n));
        SumQty = r.Read<Int128>(); SumBasis = r.Read<Int128>(); LongLots = r.Read<long>();
        Count = n;
    }
}
