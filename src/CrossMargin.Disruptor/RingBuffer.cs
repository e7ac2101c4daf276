using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossMargin.Disruptor;

/// <summary>
/// Pre-allocated ring of <typeparamref name="T"/> struct events, indexed by a 64-bit sequence
/// and accessed by <c>ref</c> so events are written and read in place, never copied or allocated.
/// </summary>
/// <typeparam name="T">The event struct.</typeparam>
/// <remarks>
/// <para>The ring is storage only: who may touch which slot is decided by a
/// <see cref="Sequencing.Sequencer"/> (a producer writes a slot between claim and publish; a
/// consumer reads it between its barrier returning the sequence and it advancing its own
/// sequence past it). The indexer itself implies no fence.</para>
/// <para>The array carries 128 bytes of unused slots before and after the live ones so the
/// first and last events never share a cache line with the array header or a neighbour object.</para>
/// </remarks>
public sealed class RingBuffer<T>
    where T : struct
{
    private const int EdgePadBytes = 128;

    private readonly T[] _entries;
    private readonly long _mask;
    private readonly int _pad;
    private readonly int _bufferSize;

    /// <summary>Allocates a ring of <paramref name="bufferSize"/> default-initialised events.</summary>
    /// <param name="bufferSize">Power of two, at least 1.</param>
    public RingBuffer(int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        if (!BitOperations.IsPow2(bufferSize))
        {
            throw new ArgumentException($"Buffer size must be a power of two, was {bufferSize}.", nameof(bufferSize));
        }

        int size = Unsafe.SizeOf<T>();
        _pad = (EdgePadBytes + size - 1) / size;
        _entries = new T[bufferSize + (2 * _pad)];
        _mask = bufferSize - 1;
        _bufferSize = bufferSize;
    }

    /// <summary>Number of slots (a power of two).</summary>
    public int BufferSize => _bufferSize;

    /// <summary>The slot of <paramref name="sequence"/> (wraps every <see cref="BufferSize"/>).</summary>
    /// <remarks>No bounds check (the mask keeps the index in range) and no fence.</remarks>
    public ref T this[long sequence]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_entries), (nint)(_pad + (sequence & _mask)));
    }
}
