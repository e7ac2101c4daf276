using System.Runtime.CompilerServices;
using CrossMargin.Core.State;

namespace CrossMargin.Core.Rules;

/// <summary>
/// The visit order of the settlement after every input (risk-model §4): parts are visited in
/// ascending account id, cross before isolated (instrument order); passes repeat until one
/// changes nothing. Only touched parts are candidates, so a tick costs O(its holders): a min-heap
/// keyed by (account id, slot) orders a pass's candidates; a part touched during the pass joins
/// it if its key is still ahead of the cursor, otherwise the next pass — exactly the visit order
/// of a full ascending scan, without the scan. What a visit does is <see cref="HealthTransitions"/>';
/// this class only owns the candidate sets (and, in index mode, the set of parts to re-band). Single-threaded; no allocation after construction.
/// </summary>
internal sealed class Settlement
{
    private readonly AccountTable _accounts;
    private readonly int[] _touched;
    private readonly bool[] _touchedFlag;
    private int _touchedCount;
    private readonly int[] _heap;
    private readonly bool[] _inHeap;
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
        _heap = new int[parts];
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
        if (_settling && _cursor >= 0 && Before(_cursor, part))
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

    /// <summary>Pops the next part in visit order and moves the cursor to it; false when the pass is done.</summary>
    public bool TryNext(out int part)
    {
        if (_heapCount == 0) { part = -1; return false; }
        part = Pop();
        _cursor = part;
        return true;
    }

    /// <summary>Visit order: account id, then slot (cross 0, isolated 1 + instrument index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Before(int a, int b)
    {
        int pp = _accounts.PartStride;
        long ida = _accounts.Id[a / pp], idb = _accounts.Id[b / pp];
        return ida != idb ? ida < idb : a % pp < b % pp;
    }

    // ---------------------------------------------------------------- binary min-heap of part ids

    /// <summary>Queues a part for this pass.</summary>
    public void Push(int part)
    {
        _inHeap[part] = true;
        int i = _heapCount++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(part, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = part;
    }

    private int Pop()
    {
        int top = _heap[0];
        _inHeap[top] = false;
        int last = _heap[--_heapCount];
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
