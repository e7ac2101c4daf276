using System.Runtime.CompilerServices;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// The visit order of the settlement after every input (risk-model §4): parts are visited in
/// ascending account id, cross before isolated (instrument order); passes repeat until one
/// changes nothing. Only touched parts are candidates, so a tick costs O(its holders): the pass's
/// candidates are sorted once by (account id, slot) (<see cref="Queue"/>, <see cref="SealPass"/>);
/// a part touched during the pass joins it through a min-heap if its key is still ahead of the
/// cursor, otherwise the next pass; each visit takes the smaller head of the two — exactly the
/// visit order of a full ascending scan, without the scan. The sorted batch also tells the caller
/// which parts come next, so it can prefetch them (a crash visits tens of thousands). What a visit
/// does is <see cref="HealthTransitions"/>'; this class only owns the candidate sets (and, in index
/// mode, the set of parts to re-band). Single-threaded; no allocation after construction.
/// </summary>
internal sealed class Settlement
{
    private readonly AccountTable _accounts;
    private readonly int[] _touched;
    private readonly bool[] _touchedFlag;
    private int _touchedCount;
    // Heap entries carry their sort key (account id, slot), so a sift compares in the heap's own lines
    // instead of loading two scattered account rows per comparison (a crash pushes thousands of parts).
    private struct Entry { public long Id; public int Slot, Part; }
    private readonly Entry[] _heap;
    private readonly bool[] _inHeap;
    // The candidates found by the pass's first loop, sorted once (cheaper than a heap push each and
    // sequential to read); _batchIds are the keys, equal ids (one account's parts) ordered by part.
    private readonly long[] _batchIds;
    private readonly int[] _batchParts;
    private int _batchCount, _batchAt;
    private long _cursorId;
    private int _cursorSlot;
    private int _heapCount;
    private bool _settling;
    private int _cursor = -1;

    // Index mode: the parts this input touched, re-banded once it is settled (empty arrays in scan mode).
    private readonly int[] _reband;
    private readonly bool[] _rebandFlag;
    private int _rebandCount;

    public Settlement(AccountTable accounts, int parts, bool reband)
    {
        _accounts = accounts;
        _touched = new int[parts];
        _touchedFlag = new bool[parts];
        _heap = new Entry[parts];
        _batchIds = new long[parts];
        _batchParts = new int[parts];
        _inHeap = new bool[parts];
        if (reband) { _reband = new int[parts]; _rebandFlag = new bool[parts]; }
        else { _reband = []; _rebandFlag = []; }
    }

    /// <summary>Parts touched for the next pass.</summary>
    public int TouchedCount => _touchedCount;

    /// <summary>
    /// A part's figures may have changed: it is a settlement candidate (in this pass if it is still
    /// ahead of the cursor, else the next) and, in index mode, is re-banded after the input. The
    /// insurance fund's parts are never settled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int part)
    {
        if (part < _accounts.PartStride) return; // the insurance fund is never settled
        if (_rebandFlag.Length != 0 && !_rebandFlag[part]) { _rebandFlag[part] = true; _reband[_rebandCount++] = part; }
        if (_settling && _cursor >= 0 && AfterCursor(part))
        {
            if (!_inHeap[part]) Push(part);
        }
        else if (!_touchedFlag[part])
        {
            _touchedFlag[part] = true;
            _touched[_touchedCount++] = part;
        }
    }

    /// <summary>Parts to re-band after this input (index mode).</summary>
    public int RebandCount => _rebandCount;

    /// <summary>The k-th part to re-band, left in the set (for look-ahead prefetch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int RebandAt(int k) => _reband[k];

    /// <summary>The k-th part to re-band, taken out of the set.</summary>
    public int TakeReband(int k)
    {
        int p = _reband[k];
        _rebandFlag[p] = false;
        return p;
    }

    /// <summary>Forgets the re-band list once every entry was taken.</summary>
    public void ClearReband() => _rebandCount = 0;

    /// <summary>Starts settling: touches from now on follow the cursor.</summary>
    public void Begin() => _settling = true;

    /// <summary>Ends settling (after the last pass).</summary>
    public void End() { _cursor = -1; _settling = false; }

    /// <summary>Starts a pass over the touched parts (the cursor is before every part).</summary>
    public void BeginPass() => _cursor = -1;

    /// <summary>The k-th touched part of this pass (for look-ahead prefetch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TouchedAt(int k) => _touched[k];

    /// <summary>Takes the k-th touched part of this pass out of the touched set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TakeTouched(int k)
    {
        int p = _touched[k];
        _touchedFlag[p] = false;
        return p;
    }

    /// <summary>Forgets the touched list once every entry was taken.</summary>
    public void ClearTouched() => _touchedCount = 0;

    /// <summary>True when the part is already a candidate of this pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsQueued(int part) => _inHeap[part];

    /// <summary>Adds a candidate found by the pass's first loop (before any visit); <see cref="SealPass"/> orders them.</summary>
    public void Queue(int part)
    {
        _inHeap[part] = true;
        _batchIds[_batchCount] = _accounts.Rows[part / _accounts.PartStride].Id;
        _batchParts[_batchCount++] = part;
    }

    /// <summary>Sorts the queued candidates into visit order (allocation-free: a key/item span sort, ties by part).</summary>
    public void SealPass()
    {
        _batchAt = 0;
        int n = _batchCount;
        if (n < 2) return;
        var ids = _batchIds.AsSpan(0, n);
        var parts = _batchParts.AsSpan(0, n);
        ids.Sort(parts);
        // One account's parts share an id: order them by part (= by slot); runs are at most instruments + 1 long.
        for (int i = 1; i < n; i++)
        {
            if (ids[i] != ids[i - 1]) continue;
            int p = parts[i], k = i;
            while (k > 0 && ids[k - 1] == ids[i] && parts[k - 1] > p) { parts[k] = parts[k - 1]; k--; }
            parts[k] = p;
        }
    }

    /// <summary>Pops the next part in visit order and moves the cursor to it; false when the pass is done.</summary>
    public bool TryNext(out int part)
    {
        bool fromBatch = _batchAt < _batchCount;
        if (fromBatch && _heapCount > 0)
        {
            ref var top = ref _heap[0];
            long id = _batchIds[_batchAt];
            int slot = _batchParts[_batchAt] % _accounts.PartStride;
            fromBatch = id != top.Id ? id < top.Id : slot < top.Slot;
        }
        if (fromBatch)
        {
            part = _batchParts[_batchAt];
            _cursorId = _batchIds[_batchAt++];
            _cursorSlot = part % _accounts.PartStride;
            _inHeap[part] = false;
            if (_batchAt == _batchCount) _batchAt = _batchCount = 0;
        }
        else if (_heapCount > 0)
        {
            var top = Pop();
            part = top.Part; _cursorId = top.Id; _cursorSlot = top.Slot;
        }
        else { part = -1; return false; }
        _cursor = part;
        return true;
    }

    /// <summary>
    /// A part due soon (for look-ahead prefetch): the <paramref name="i"/>-th next of the sorted batch,
    /// or with the batch done the heap entry at position i; −1 if none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int QueuedAt(int i) => _batchAt + i < _batchCount ? _batchParts[_batchAt + i] : i < _heapCount ? _heap[i].Part : -1;

    /// <summary>True when <paramref name="part"/> comes after the cursor in visit order (account id, then slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool AfterCursor(int part)
    {
        int pp = _accounts.PartStride, acct = part / pp;
        long id = _accounts.Rows[acct].Id;
        return id != _cursorId ? _cursorId < id : _cursorSlot < part - acct * pp;
    }

    /// <summary>Visit order: account id, then slot (cross 0, isolated 1 + instrument index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Before(in Entry a, in Entry b) => a.Id != b.Id ? a.Id < b.Id : a.Slot < b.Slot;

    // ---------------------------------------------------------------- binary min-heap of (id, slot, part)

    /// <summary>Queues a part touched during the pass ahead of the cursor.</summary>
    private void Push(int part)
    {
        _inHeap[part] = true;
        int pp = _accounts.PartStride, acct = part / pp;
        var entry = new Entry { Id = _accounts.Rows[acct].Id, Slot = part - acct * pp, Part = part };
        int i = _heapCount++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(entry, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    private Entry Pop()
    {
        var top = _heap[0];
        _inHeap[top.Part] = false;
        var last = _heap[--_heapCount];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _heapCount) break;
            if (child + 1 < _heapCount && Before(_heap[child + 1], _heap[child])) child++;
            if (!Before(_heap[child], last)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (_heapCount > 0) _heap[i] = last;
        return top;
    }
}
