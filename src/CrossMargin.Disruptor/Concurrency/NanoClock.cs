using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace CrossMargin.Concurrency;

/// <summary>A monotonic nanosecond clock; implement on a struct so callers specialise for it.</summary>
public interface INanoClock
{
    /// <summary>Current time in ns from an arbitrary origin.</summary>
    long Now();
}

/// <summary>The system's monotonic clock (<see cref="Stopwatch.GetTimestamp"/> in ns), as a struct.</summary>
public readonly struct NanoClock : INanoClock
{
    private static readonly double TicksToNanos = 1_000_000_000.0 / Stopwatch.Frequency;
    private static readonly bool IsNanosecondTimestamp = Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Current time in ns from an arbitrary origin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long NanoTime()
    {
        long ticks = Stopwatch.GetTimestamp();
        return IsNanosecondTimestamp ? ticks : (long)(ticks * TicksToNanos);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Now() => NanoTime();
}
