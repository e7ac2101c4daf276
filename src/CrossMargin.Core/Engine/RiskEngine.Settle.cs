using System.Runtime.CompilerServices;

namespace CrossMargin.Core.Engine;

// Settlement after every input (risk-model §4): parts are visited in ascending account id, cross
// before isolated (instrument order); a part whose state changed emits `health` and its
// consequences run to completion before the next part; passes repeat until one changes nothing.
//
// Only touched parts are candidates, so a tick costs O(its holders): a min-heap keyed by
// (account id, slot) orders this pass's candidates; a part touched during the pass joins it if
// its key is still ahead of the cursor, otherwise the next pass — exactly the visit order of a
// full ascending scan, without the scan.
public sealed partial class RiskEngine
{
    private readonly int[] _touched;
    private readonly bool[] _touchedFlag;
    private int _touchedCount;
    private readonly int[] _heap;
    private readonly bool[] _inHeap;
    private int _heapCount;
    private bool _settling;
    private int _cursor = -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Touch(int part)
    {
        if (part < _pp) return; // the insurance fund is never settled
        if (_rebandFlag.Length != 0 && !_rebandFlag[part]) { _rebandFlag[part] = true; _reband[_rebandCount++] = part; }
        if (_settling && _cursor >= 0 && Before(_cursor, part))
        {
            if (!_inHeap[part]) HeapPush(part);
        }
        else if (!_touchedFlag[part])
        {
            _touchedFlag[part] = true;
            _touched[_touchedCount++] = part;
        }
    }

    /// <summary>Visit order: account id, then slot (cross 0, isolated 1 + instrument index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Before(int a, int b)
    {
        long ida = _accounts.Id[a / _pp], idb = _accounts.Id[b / _pp];
        return ida != idb ? ida < idb : a % _pp < b % _pp;
    }

    private void Settle()
    {
        _settling = true;
        while (_touchedCount > 0)
        {
            _cursor = -1;
            for (int k = 0; k < _touchedCount; k++)
            {
                // A crash touches thousands of parts scattered over memory: fetch ahead what Evaluate reads.
                if (k + 16 < _touchedCount) PrefetchPartRows(_touched[k + 16]);
                if (k + 8 < _touchedCount) PrefetchPartSlots(_touched[k + 8]);
                int p = _touched[k];
                _touchedFlag[p] = false;
                if (!_inHeap[p] && (_accounts.RoundDue[p] || Evaluate(p) != _accounts.Health[p])) HeapPush(p);
            }
            _touchedCount = 0;
            while (_heapCount > 0)
            {
                int p = HeapPop();
                _cursor = p;
                Visit(p);
            }
        }
        _cursor = -1;
        _settling = false;
    }

    private void Visit(int part)
    {
        var now = Evaluate(part);
        var was = _accounts.Health[part];
        if (now == was)
        {
            if (now == HealthState.Liquidating && _accounts.RoundDue[part] && _accounts.LiqOpen[part] == 0)
            {
                _accounts.RoundDue[part] = false;
                LiquidationRound(part);
            }
            _accounts.RoundDue[part] = false;
            return;
        }
        ref var e = ref AddPartEvent(EventKind.Health, part);
        e.From = was; e.To = now;
        Figures(part, out e.Equity, out e.Im, out e.Mm, out _);
        _accounts.Health[part] = now;
        _accounts.RoundDue[part] = false;
        if (was == HealthState.Liquidating) LapseLiquidationOrders(part);
        switch (now)
        {
            case HealthState.Liquidating:
                CancelAll(part);
                LiquidationRound(part);
                break;
            case HealthState.Bankrupt:
                CancelAll(part);
                LapseLiquidationOrders(part);
                Takeover(part);
                var after = Evaluate(part);
                ref var back = ref AddPartEvent(EventKind.Health, part);
                back.From = HealthState.Bankrupt; back.To = after;
                Figures(part, out back.Equity, out back.Im, out back.Mm, out _);
                _accounts.Health[part] = after;
                break;
        }
    }

    // ---------------------------------------------------------------- binary min-heap of part ids

    private void HeapPush(int part)
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

    private int HeapPop()
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
