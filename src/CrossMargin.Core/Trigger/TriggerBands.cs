using System.Numerics;
using System.Runtime.CompilerServices;

namespace CrossMargin.Core.Trigger;

/// <summary>
/// The ordered band edges of one instrument (or one collateral asset): for every banded holder slot an
/// inclusive price band [lo, hi] that contains the current mark. Edges sit in price buckets, each an
/// intrusive doubly-linked list, one set for lo edges and one for hi edges. An instrument's buckets are
/// linear (2^shift ticks wide, at most 2^16–2^18 up to its maxPrice, more for more slots: <see cref="LinearBucketBits"/>); an index price has no declared
/// maximum, so an asset's buckets are log-linear (<see cref="ForIndexPrices"/>: 1,024 per power of two,
/// each at most 0.1 % of its price wide, 55,296 over the whole positive range). Any monotone bucket
/// map keeps the walk below exact.
/// Since every band contains the mark, a move from p0 up to p can only leave bands whose hi is in
/// [p0, p): the buckets between the two prices are walked and exactly the slots whose edge was crossed
/// are popped — O(1) for a tick that crosses no band, O(buckets crossed + popped) for a crash, and
/// O(1) to set, move or clear a band (no heap to sift through cold memory). Slots are those of the
/// instrument's <see cref="State.PositionTable"/>; when the table moves its last slot into a hole,
/// <see cref="Move"/> follows it. No allocation after construction.
/// </summary>
internal sealed class TriggerBands
{
    private const int None = -1;
    private readonly long[] _lo, _hi;               // per slot
    private readonly bool[] _banded;                // per slot
    private readonly int[] _loNext, _loPrev, _hiNext, _hiPrev; // per slot: neighbours in its bucket lists
    private readonly int[] _loHead, _hiHead;        // per bucket
    // Per bucket, a bound on its edges: no hi in the bucket is below _hiMin, no lo above _loMax. Lowered
    // (raised) when an edge is linked, left loose when one leaves, made exact again by each walk of the
    // bucket, so a move that crosses no edge skips a crowded bucket at the mark without reading its slots.
    private readonly long[] _hiMin, _loMax;
    private readonly int _shift;
    private readonly bool _logBuckets;
    private const int SubBits = 10; // log-linear buckets: 2^SubBits per power of two
    private readonly int[] _popped;
    private long _mark;
    private int _count;

    /// <summary>Linear buckets over the prices 1 … <paramref name="maxPrice"/> (an instrument's ticks).</summary>
    public TriggerBands(int capacity, long maxPrice, long mark) : this(capacity, mark, logBuckets: false, maxPrice) { }

    /// <summary>Log-linear buckets over every positive price (a collateral asset's index price, micro-units per whole asset).</summary>
    public static TriggerBands ForIndexPrices(int capacity, long mark) => new(capacity, mark, logBuckets: true, long.MaxValue);

    private TriggerBands(int capacity, long mark, bool logBuckets, long maxPrice)
    {
        _lo = new long[capacity]; _hi = new long[capacity];
        _banded = new bool[capacity];
        _loNext = new int[capacity]; _loPrev = new int[capacity];
        _hiNext = new int[capacity]; _hiPrev = new int[capacity];
        _popped = new int[capacity];
        _logBuckets = logBuckets;
        int bits = 64 - BitOperations.LeadingZeroCount((ulong)maxPrice);
        _shift = logBuckets ? 0 : Math.Max(0, bits - LinearBucketBits(capacity));
        int buckets = (int)Bucket(maxPrice) + 1;
        _loHead = new int[buckets]; _hiHead = new int[buckets];
        Array.Fill(_loHead, None); Array.Fill(_hiHead, None);
        _hiMin = new long[buckets]; _loMax = new long[buckets];
        Array.Fill(_hiMin, long.MaxValue); Array.Fill(_loMax, long.MinValue);
        _mark = mark;
    }

    /// <summary>
    /// log2 of the most linear buckets for <paramref name="capacity"/> slots: 2^16, growing with the
    /// capacity up to 2^18 (a quarter bucket per slot). Slots crowd the mark, so a move walks the slots
    /// whose edge shares the mark's bucket: at 1M holders a 256-tick bucket held about 370 of them and its
    /// walk was 70 % of a one-tick move; 64 ticks cut that four-fold for 6 MB per instrument.
    /// </summary>
    public static int LinearBucketBits(int capacity) => Math.Clamp(BitOperations.Log2((uint)Math.Max(1, capacity)) - 1, 16, 18);

    /// <summary>Bytes of the bucket heads and bounds of one instrument's bands for <paramref name="capacity"/> slots (independent of its maxPrice: at most this).</summary>
    public static long LinearBucketBytes(int capacity) => (1L << LinearBucketBits(capacity)) * (4 + 4 + 8 + 8);

    /// <summary>Number of banded slots.</summary>
    public int Count => _count;

    /// <summary>True when slot has a band.</summary>
    public bool IsBanded(int slot) => _banded[slot];

    /// <summary>The band of a banded slot.</summary>
    public (long Lo, long Hi) BandOf(int slot) => (_lo[slot], _hi[slot]);

    /// <summary>The slots the last <see cref="PopOutside"/> popped.</summary>
    public ReadOnlySpan<int> Popped(int count) => _popped.AsSpan(0, count);

    /// <summary>Sets (or replaces) the band of a slot; a band that does not contain the mark shrinks to [mark, mark] (any move pops it).</summary>
    public void Set(int slot, long lo, long hi)
    {
        if (lo > _mark || hi < _mark) lo = hi = _mark; // never miss: the walk relies on every band containing the mark
        long lb = Bucket(lo), hb = Bucket(hi);
        if (_banded[slot])
        {
            if (Bucket(_lo[slot]) != lb) { Unlink(_loHead, _loNext, _loPrev, slot, _lo[slot]); Link(_loHead, _loNext, _loPrev, slot, lb); }
            if (Bucket(_hi[slot]) != hb) { Unlink(_hiHead, _hiNext, _hiPrev, slot, _hi[slot]); Link(_hiHead, _hiNext, _hiPrev, slot, hb); }
        }
        else
        {
            _banded[slot] = true;
            _count++;
            Link(_loHead, _loNext, _loPrev, slot, lb);
            Link(_hiHead, _hiNext, _hiPrev, slot, hb);
        }
        _lo[slot] = lo; _hi[slot] = hi;
        Tighten(lb, lo, hb, hi);
    }

    /// <summary>Keeps the bucket bounds conservative for a band [lo, hi] whose edges sit in buckets lb and hb.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Tighten(long lb, long lo, long hb, long hi)
    {
        if (lo > _loMax[lb]) _loMax[lb] = lo;
        if (hi < _hiMin[hb]) _hiMin[hb] = hi;
    }

    /// <summary>Removes the band of a slot (no-op when it has none).</summary>
    public void Clear(int slot)
    {
        if (!_banded[slot]) return;
        Unlink(_loHead, _loNext, _loPrev, slot, _lo[slot]);
        Unlink(_hiHead, _hiNext, _hiPrev, slot, _hi[slot]);
        _banded[slot] = false;
        _count--;
    }

    /// <summary>Slot <paramref name="from"/> now lives at <paramref name="to"/> (which has no band): its band follows.</summary>
    public void Move(int from, int to)
    {
        if (!_banded[from]) return;
        _lo[to] = _lo[from]; _hi[to] = _hi[from];
        _banded[to] = true; _banded[from] = false;
        Rename(_loHead, _loNext, _loPrev, from, to, _lo[to]);
        Rename(_hiHead, _hiNext, _hiPrev, from, to, _hi[to]);
    }

    /// <summary>
    /// Moves the mark to <paramref name="price"/> and pops every slot whose band excludes it; returns how
    /// many (read them with <see cref="Popped"/>).
    /// </summary>
    public int PopOutside(long price)
    {
        long from = _mark;
        _mark = price;
        int n = 0;
        if (_count == 0 || price == from) return 0;
        if (price > from)
        {
            // Bands contained `from`, so only hi ∈ [from, price) can have been crossed.
            for (long b = Bucket(from), last = Bucket(price - 1); b <= last; b++)
            {
                if (_hiMin[b] >= price) continue; // no edge of this bucket was crossed
                long min = long.MaxValue;
                for (int s = _hiHead[b]; s != None;)
                {
                    int next = _hiNext[s];
                    long hi = _hi[s];
                    if (hi < price) { Clear(s); _popped[n++] = s; }
                    else if (hi < min) min = hi;
                    s = next;
                }
                _hiMin[b] = min;
            }
        }
        else
        {
            for (long b = Bucket(price + 1), last = Bucket(from); b <= last; b++)
            {
                if (_loMax[b] <= price) continue;
                long max = long.MinValue;
                for (int s = _loHead[b]; s != None;)
                {
                    int next = _loNext[s];
                    long lo = _lo[s];
                    if (lo > price) { Clear(s); _popped[n++] = s; }
                    else if (lo > max) max = lo;
                    s = next;
                }
                _loMax[b] = max;
            }
        }
        return n;
    }

    /// <summary>
    /// The bucket of a price (≥ 0), monotone non-decreasing. Log-linear: prices below 2^SubBits are their
    /// own bucket; above, a bucket is a power of two split into 2^SubBits equal parts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Bucket(long price)
    {
        if (!_logBuckets) return price >> _shift;
        if (price < 1L << SubBits) return price;
        int shift = 63 - BitOperations.LeadingZeroCount((ulong)price) - SubBits;
        return ((long)shift << SubBits) + (price >> shift);
    }

    private static void Link(int[] head, int[] next, int[] prev, int slot, long b)
    {
        int h = head[b];
        next[slot] = h; prev[slot] = None;
        if (h != None) prev[h] = slot;
        head[b] = slot;
    }

    private void Unlink(int[] head, int[] next, int[] prev, int slot, long edge)
    {
        int p = prev[slot], n = next[slot];
        if (p != None) next[p] = n; else head[Bucket(edge)] = n;
        if (n != None) prev[n] = p;
    }

    private void Rename(int[] head, int[] next, int[] prev, int from, int to, long edge)
    {
        int p = prev[from], n = next[from];
        next[to] = n; prev[to] = p;
        if (p != None) next[p] = to; else head[Bucket(edge)] = to;
        if (n != None) prev[n] = to;
    }

    /// <summary>Snapshot: the mark, the bands and bucket links of the first <paramref name="slots"/> slots (the holder table's in use) and the bucket heads, as they are.</summary>
    public void WriteTo(Snapshot.SnapshotWriter w, int slots)
    {
        w.Write(_mark); w.Write(_count);
        w.Write<long>(_lo.AsSpan(0, slots)); w.Write<long>(_hi.AsSpan(0, slots)); w.Write<bool>(_banded.AsSpan(0, slots));
        w.Write<int>(_loNext.AsSpan(0, slots)); w.Write<int>(_loPrev.AsSpan(0, slots)); w.Write<int>(_hiNext.AsSpan(0, slots)); w.Write<int>(_hiPrev.AsSpan(0, slots));
        w.Write<int>(_loHead); w.Write<int>(_hiHead);
    }

    /// <summary>Snapshot: reads what <see cref="WriteTo"/> wrote into fresh bands of the same instrument.</summary>
    public void ReadFrom(Snapshot.SnapshotReader r, int slots)
    {
        _mark = r.Read<long>(); _count = r.ReadCount("banded slots", slots);
        r.Read<long>(_lo.AsSpan(0, slots)); r.Read<long>(_hi.AsSpan(0, slots)); r.Read<bool>(_banded.AsSpan(0, slots));
        r.Read<int>(_loNext.AsSpan(0, slots)); r.Read<int>(_loPrev.AsSpan(0, slots)); r.Read<int>(_hiNext.AsSpan(0, slots)); r.Read<int>(_hiPrev.AsSpan(0, slots));
        r.Read<int>(_loHead); r.Read<int>(_hiHead);
        // Links index slots: one pointing past the table would corrupt the next walk, so bound those a walk
        // can follow — the heads and the banded slots' links (an unbanded slot keeps stale ones, never read).
        int banded = 0;
        for (int s = 0; s < slots; s++)
        {
            if (!_banded[s]) continue;
            banded++;
            if (!InRange(_loNext[s], slots) || !InRange(_loPrev[s], slots) || !InRange(_hiNext[s], slots) || !InRange(_hiPrev[s], slots))
                throw r.Fail($"a band link of slot {s} points outside the {slots} slots in use");
        }
        if (banded != _count) throw r.Fail($"{banded} banded slots, the count says {_count}");
        foreach (int s in _loHead) if (!InRange(s, slots) || (s != None && !_banded[s])) throw r.Fail("a lo bucket starts at a slot outside the bands");
        foreach (int s in _hiHead) if (!InRange(s, slots) || (s != None && !_banded[s])) throw r.Fail("a hi bucket starts at a slot outside the bands");
        // The bucket bounds are derived, not stored: rebuilt exact from the bands read.
        Array.Fill(_hiMin, long.MaxValue); Array.Fill(_loMax, long.MinValue);
        for (int s = 0; s < slots; s++)
        {
            if (_banded[s]) Tighten(Bucket(_lo[s]), _lo[s], Bucket(_hi[s]), _hi[s]);
        }
    }

    private static bool InRange(int link, int slots) => link >= None && link < slots;
}
