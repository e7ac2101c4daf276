namespace CrossMargin.Core.Trigger;

/// <summary>
/// The ordered band edges of one instrument: for every banded holder slot an inclusive price band
/// [lo, hi], kept in two indexed binary heaps (max-heap of lo, min-heap of hi). A mark at price p
/// pops exactly the slots whose band excludes p, each in O(log n); a price inside every band costs
/// two comparisons. Slots are those of the instrument's <see cref="State.PositionTable"/>; when the
/// table moves its last slot into a hole, <see cref="Move"/> follows it. No allocation after construction.
/// </summary>
internal sealed class TriggerBands
{
    private readonly long[] _lo, _hi;      // per slot
    private readonly int[] _posLo, _posHi; // per slot: index in each heap, −1 when not banded
    private readonly int[] _heapLo, _heapHi;
    private int _count;

    public TriggerBands(int capacity)
    {
        _lo = new long[capacity]; _hi = new long[capacity];
        _posLo = new int[capacity]; _posHi = new int[capacity];
        Array.Fill(_posLo, -1); Array.Fill(_posHi, -1);
        _heapLo = new int[capacity]; _heapHi = new int[capacity];
    }

    /// <summary>Number of banded slots.</summary>
    public int Count => _count;

    /// <summary>True when slot has a band.</summary>
    public bool IsBanded(int slot) => _posLo[slot] >= 0;

    /// <summary>The band of a banded slot.</summary>
    public (long Lo, long Hi) BandOf(int slot) => (_lo[slot], _hi[slot]);

    /// <summary>Sets (or replaces) the band of a slot.</summary>
    public void Set(int slot, long lo, long hi)
    {
        if (_posLo[slot] < 0)
        {
            _lo[slot] = lo; _hi[slot] = hi;
            int at = _count++;
            _heapLo[at] = slot; _posLo[slot] = at; UpLo(at);
            _heapHi[at] = slot; _posHi[slot] = at; UpHi(at);
            return;
        }
        long oldLo = _lo[slot], oldHi = _hi[slot];
        _lo[slot] = lo; _hi[slot] = hi;
        if (lo > oldLo) UpLo(_posLo[slot]); else if (lo < oldLo) DownLo(_posLo[slot]);
        if (hi < oldHi) UpHi(_posHi[slot]); else if (hi > oldHi) DownHi(_posHi[slot]);
    }

    /// <summary>Removes the band of a slot (no-op when it has none).</summary>
    public void Clear(int slot)
    {
        int a = _posLo[slot];
        if (a < 0) return;
        int b = _posHi[slot];
        int last = --_count;
        _posLo[slot] = -1; _posHi[slot] = -1;
        if (a != last)
        {
            int moved = _heapLo[last];
            _heapLo[a] = moved; _posLo[moved] = a;
            UpLo(a); DownLo(_posLo[moved]);
        }
        if (b != last)
        {
            int moved = _heapHi[last];
            _heapHi[b] = moved; _posHi[moved] = b;
            UpHi(b); DownHi(_posHi[moved]);
        }
    }

    /// <summary>Slot <paramref name="from"/> now lives at <paramref name="to"/> (which has no band): its band follows.</summary>
    public void Move(int from, int to)
    {
        int a = _posLo[from];
        if (a < 0) return;
        int b = _posHi[from];
        _lo[to] = _lo[from]; _hi[to] = _hi[from];
        _heapLo[a] = to; _posLo[to] = a; _posLo[from] = -1;
        _heapHi[b] = to; _posHi[to] = b; _posHi[from] = -1;
    }

    /// <summary>Pops one slot whose band excludes <paramref name="price"/>; false when every band contains it.</summary>
    public bool TryPopOutside(long price, out int slot)
    {
        if (_count > 0)
        {
            int top = _heapHi[0];
            if (_hi[top] < price) { slot = top; Clear(top); return true; }
            top = _heapLo[0];
            if (_lo[top] > price) { slot = top; Clear(top); return true; }
        }
        slot = -1;
        return false;
    }

    // ------------------------------------------------ heap of lo (max at the root)

    private void UpLo(int i)
    {
        int s = _heapLo[i];
        long key = _lo[s];
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            int ps = _heapLo[p];
            if (_lo[ps] >= key) break;
            _heapLo[i] = ps; _posLo[ps] = i;
            i = p;
        }
        _heapLo[i] = s; _posLo[s] = i;
    }

    private void DownLo(int i)
    {
        int s = _heapLo[i];
        long key = _lo[s];
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= _count) break;
            if (c + 1 < _count && _lo[_heapLo[c + 1]] > _lo[_heapLo[c]]) c++;
            int cs = _heapLo[c];
            if (_lo[cs] <= key) break;
            _heapLo[i] = cs; _posLo[cs] = i;
            i = c;
        }
        _heapLo[i] = s; _posLo[s] = i;
    }

    // ------------------------------------------------ heap of hi (min at the root)

    private void UpHi(int i)
    {
        int s = _heapHi[i];
        long key = _hi[s];
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            int ps = _heapHi[p];
            if (_hi[ps] <= key) break;
            _heapHi[i] = ps; _posHi[ps] = i;
            i = p;
        }
        _heapHi[i] = s; _posHi[s] = i;
    }

    private void DownHi(int i)
    {
        int s = _heapHi[i];
        long key = _hi[s];
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= _count) break;
            if (c + 1 < _count && _hi[_heapHi[c + 1]] < _hi[_heapHi[c]]) c++;
            int cs = _heapHi[c];
            if (_hi[cs] >= key) break;
            _heapHi[i] = cs; _posHi[cs] = i;
            i = c;
        }
        _heapHi[i] = s; _posHi[s] = i;
    }
}
