using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossMargin.Disruptor.Sequencing;

/// <summary>
/// A cache-line padded 64-bit sequence: the cursor of a sequencer or the progress of a consumer.
/// </summary>
/// <remarks>
/// <para>The value sits at <see cref="PaddingLayout.ValueOffset"/> of a
/// <see cref="PaddingLayout.PaddedSize"/>-byte explicit layout, so a consumer spinning on a
/// producer's cursor never shares a cache line with another sequence.</para>
/// <para>Threading: any thread may read. Usually exactly one thread writes (the owner of the
/// sequence) with <see cref="SetRelease"/>; <see cref="CompareAndSet"/> and
/// <see cref="AddAndGet"/> are for the multi-producer claim.</para>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = PaddingLayout.PaddedSize)]
public sealed class Sequence
{
    /// <summary>The value of a sequence before anything was claimed or processed.</summary>
    public const long InitialValue = -1;

    [FieldOffset(PaddingLayout.ValueOffset)]
    private long _value;

    // The CLR ignores StructLayout.Size for the managed layout of a class (measured: 80 bytes
    // without this), so the trailing 56 bytes are forced by a last field at the end of the block.
#pragma warning disable CS0169 // never read or written: it only occupies the tail of the padding
    [FieldOffset(PaddingLayout.PaddedSize - sizeof(long))]
    private readonly long _trailingPad;
#pragma warning restore CS0169

    /// <summary>Creates a sequence holding <paramref name="initialValue"/>.</summary>
    /// <remarks>The initial store is plain; the sequence is published to other threads by
    /// whatever hands it over (a thread start, a <see cref="Volatile"/> array publication).</remarks>
    public Sequence(long initialValue = InitialValue) => _value = initialValue;

    /// <summary>Reads the value with acquire semantics (<c>Volatile.Read</c>).</summary>
    /// <remarks>Acquire: every write the owner made before its matching
    /// <see cref="SetRelease"/> (e.g. the event written into the ring) is visible after this read.</remarks>
    public long Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _value);
    }

    /// <summary>Stores <paramref name="value"/> with release semantics (<see cref="Volatile.Write(ref long, long)"/>).</summary>
    /// <remarks>Release: all prior writes (event data, handler side effects) become visible
    /// before the new value does. No store-load fence; use <see cref="SetVolatile"/> when a
    /// following load must not move ahead of this store.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetRelease(long value) => Volatile.Write(ref _value, value);

    /// <summary>Stores <paramref name="value"/> with a full fence (<see cref="Interlocked.Exchange(ref long, long)"/>).</summary>
    /// <remarks>Full fence: neither earlier nor later loads and stores cross it (store-load ordering).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetVolatile(long value) => Interlocked.Exchange(ref _value, value);

    /// <summary>Atomically replaces the value with <paramref name="value"/> if it equals
    /// <paramref name="expected"/> (<see cref="Interlocked.CompareExchange(ref long, long, long)"/>, full fence).</summary>
    /// <returns><c>true</c> if the value was replaced.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndSet(long expected, long value)
        => Interlocked.CompareExchange(ref _value, value, expected) == expected;

    /// <summary>Atomically adds <paramref name="increment"/> (<see cref="Interlocked.Add(ref long, long)"/>, full fence).</summary>
    /// <returns>The value after the addition.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long AddAndGet(long increment) => Interlocked.Add(ref _value, increment);

    /// <summary>Smallest value among <paramref name="sequences"/> and <paramref name="minimum"/>,
    /// each read with acquire semantics.</summary>
    /// <param name="sequences">Sequences to scan; may be empty.</param>
    /// <param name="minimum">Upper bound returned when <paramref name="sequences"/> is empty.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long GetMinimum(Sequence[] sequences, long minimum = long.MaxValue)
    {
        for (int i = 0; i < sequences.Length; i++)
        {
            long v = sequences[i].Value;
            if (v < minimum)
            {
                minimum = v;
            }
        }

        return minimum;
    }

    /// <summary>Reference to the raw field, for the layout test only.</summary>
    internal ref long ValueRef => ref _value;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
