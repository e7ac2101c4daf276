using System.Globalization;
using System.Runtime.CompilerServices;

namespace CrossMargin.Concurrency;

/// <summary>
/// A 64-bit counter with one writer thread and any number of readers (Agrona's counter contract):
/// the writer updates with a release store (no lock, no interlocked instruction, since nobody else
/// writes), readers read with an acquire load. Embed as a field; never copy a live counter.
/// </summary>
public struct OrderedCounter : ISpanFormattable
{
    private long _value;

    /// <summary>Current value (acquire read; any thread).</summary>
    public readonly long Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref Unsafe.AsRef(in _value));
    }

    /// <summary>Adds one. Writer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment() => Volatile.Write(ref _value, _value + 1);

    /// <summary>Adds <paramref name="delta"/>. Writer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long delta) => Volatile.Write(ref _value, _value + delta);

    /// <summary>Sets the value. Writer thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(long value) => Volatile.Write(ref _value, value);

    /// <summary>The value (so a counter reads like the <c>long</c> it counts).</summary>
    public static implicit operator long(in OrderedCounter counter) => counter.Value;

    /// <inheritdoc/>
    public override readonly string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public readonly string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(format, formatProvider);

    /// <inheritdoc/>
    public readonly bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(destination, out charsWritten, format, provider);
}
