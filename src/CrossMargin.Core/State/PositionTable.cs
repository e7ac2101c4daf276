using CrossMargin.Core.Snapshot;

namespace CrossMargin.Core.State;

/// <summary>
/// The holder list of one instrument: which (account, part) holds a position slot on it, dense
/// over [0, <see cref="Count"/>). The position figures themselves are account-major
/// (<see cref="AccountTable.Positions"/>); this list is what a scan-mode tick, funding and ADL walk,
/// and the slot ids the trigger bands are keyed by. A slot lives while its position or its open
/// orders are non-zero; removal swaps the last slot into the hole.
/// </summary>
internal sealed class PositionTable
{
    public readonly int[] Account;   // account index
    public readonly int[] Part;      // part id the slot belongs to (cross or isolated)
    public int Count;
    // Instrument-level aggregates over every slot (fund included), kept on every trade so a tick reads them in O(1).
    public Int128 SumQty, SumBasis;
    public long LongLots;

    public PositionTable(int capacity)
    {
        Account = new int[capacity];
        Part = new int[capacity];
    }

    public int Capacity => Account.Length;

    /// <summary>Appends a slot for (account, part); returns −1 when full. The caller zeroes the position row.</summary>
    public int Add(int account, int part)
    {
        if (Count == Account.Length) return -1;
        int j = Count++;
        Account[j] = account; Part[j] = part;
        return j;
    }

    /// <summary>Removes slot j by moving the last slot into it; returns the account index moved (or −1).</summary>
    public int RemoveAt(int j)
    {
        int last = --Count;
        if (j == last) return -1;
        Account[j] = Account[last]; Part[j] = Part[last];
        return Account[j];
    }

    /// <summary>Snapshot: the slots in use, column by column, and the instrument aggregates.</summary>
    public void WriteTo(SnapshotWriter w)
    {
        int n = Count;
        w.Write(n);
        w.Write<int>(Account.AsSpan(0, n)); w.Write<int>(Part.AsSpan(0, n)); // the positions themselves are in the account table's rows
        w.Write(SumQty); w.Write(SumBasis); w.Write(LongLots);
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into a fresh table.</summary>
    public void ReadFrom(SnapshotReader r)
    {
        int n = r.ReadCount("holder slots", Capacity);
        r.Read<int>(Account.AsSpan(0, n)); r.Read<int>(Part.AsSpan(0, n));
        SumQty = r.Read<Int128>(); SumBasis = r.Read<Int128>(); LongLots = r.Read<long>();
        Count = n;
    }
}
