using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossMargin.Core.Kernels;

namespace CrossMargin.Core.State;

/// <summary>
/// A fixed-length array of unmanaged rows whose first row starts on a 64-byte boundary, so a row of
/// 64 bytes is exactly one cache line (a plain <c>T[]</c> starts its data 16 bytes into an 8-byte
/// aligned object, which would split every such row over two lines). The storage is one pinned
/// <c>long[]</c> (the pinned object heap never moves it, so the alignment holds for the life of
/// the table) with up to 56 bytes of slack in front. Rows are read and written by ref, bounds
/// checked. Single-threaded; no allocation after construction.
/// </summary>
/// <typeparam name="T">Row type; its size must be a multiple of 8 bytes.</typeparam>
internal sealed class AlignedRows<T> where T : unmanaged
{
    private readonly long[] _storage;
    private readonly int _start; // index of the first 64-byte aligned long in _storage

    /// <summary>Allocates <paramref name="length"/> zeroed rows.</summary>
    public unsafe AlignedRows(int length)
    {
        if (sizeof(T) % 8 != 0) throw new ArgumentException($"{typeof(T).Name}: row size {sizeof(T)} is not a multiple of 8");
        Length = length;
        long longs = (long)length * (sizeof(T) / 8) + 7;
        if (longs > Array.MaxLength) throw new ArgumentException($"{length:N0} rows of {sizeof(T)} bytes exceed the largest array");
        _storage = GC.AllocateArray<long>((int)longs, pinned: true);
        HugePages.Advise(_storage); // pinned: the advice stays with the rows
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_storage));
        _start = (int)((64 - (address & 63)) & 63) / 8;
    }

    /// <summary>Number of rows.</summary>
    public int Length { get; }

    /// <summary>Bytes allocated (rows and alignment slack).</summary>
    public long Bytes => (long)_storage.Length * 8;

    /// <summary>Row <paramref name="index"/> by reference.</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Length) ThrowIndex(index);
            return ref Unsafe.Add(ref First, index);
        }
    }

    /// <summary>Every row, as one span (bulk copies, snapshots).</summary>
    public Span<T> AsSpan() => MemoryMarshal.CreateSpan(ref First, Length);

    /// <summary>Hints the CPU to load the line of row <paramref name="index"/> (no fault, never blocks; ignored out of range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int index)
    {
        if (CacheHint.Supported && (uint)index < (uint)Length) CacheHint.Load(Unsafe.AsPointer(ref Unsafe.Add(ref First, index)));
    }

    private ref T First
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.As<long, T>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _start));
    }

    private static void ThrowIndex(int index) => throw new IndexOutOfRangeException($"row {index}");
}
