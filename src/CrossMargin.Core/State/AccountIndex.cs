using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Core.State;

/// <summary>
/// Account id → account index, open addressing with linear probing over 16-byte entries (key and
/// value in one cache line), sized once for the account capacity at ≤ 75 % load. Unlike a
/// <see cref="Dictionary{TKey,TValue}"/>, the slot of an id is computable without touching memory,
/// so the risk processor can prefetch it inputs ahead (<see cref="PrefetchSlot"/>). Accounts are
/// never removed. Single-threaded; no allocation after construction.
/// </summary>
internal sealed class AccountIndex
{
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    private struct Entry { public long Key; public int Value; }

    private const long Empty = long.MinValue; // account ids are 0…2^63−1
    private readonly Entry[] _entries;
    private readonly int _mask, _shift;

    public AccountIndex(int capacity)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity + capacity / 3 + 1));
        _entries = new Entry[size];
        HugePages.Advise(_entries);
        for (int i = 0; i < size; i++) _entries[i].Key = Empty;
        _mask = size - 1;
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>Bytes of the table (for the memory statement).</summary>
    public long Bytes => (long)_entries.Length * 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(long id) => (int)((ulong)(id * unchecked((long)0x9E3779B97F4A7C15)) >> _shift); // Fibonacci hashing

    public bool TryGetValue(long id, out int value)
    {
        for (int i = Home(id); ; i = (i + 1) & _mask)
        {
            ref var e = ref _entries[i];
            if (e.Key == id) { value = e.Value; return true; }
            if (e.Key == Empty) { value = -1; return false; }
        }
    }

    public bool ContainsKey(long id) => TryGetValue(id, out _);

    public int this[long id] => TryGetValue(id, out int v) ? v : throw new KeyNotFoundException($"unknown account {id}");

    /// <summary>Adds a new id (the caller checked it is absent and that capacity remains).</summary>
    public void Add(long id, int value)
    {
        int i = Home(id);
        while (_entries[i].Key != Empty) i = (i + 1) & _mask;
        _entries[i].Key = id;
        _entries[i].Value = value;
    }

    /// <summary>Hints the CPU to load the home slot of <paramref name="id"/> (no dependent load, never blocks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void PrefetchSlot(long id)
    {
        if (CacheHint.Supported) CacheHint.Load(Unsafe.AsPointer(ref _entries[Home(id)]));
    }
}
