using System.Runtime.CompilerServices;

namespace CrossMargin.Core.Numerics;

/// <summary>
/// Exact integer money arithmetic (risk-model §1). Money is settlement micro-units (10^-6) in a
/// <see cref="long"/>; rates are parts per million. Every rounding is explicit in the name:
/// requirements and amounts owed round up, collateral and amounts received round down.
/// </summary>
public static class Money
{
    /// <summary>Micro-units per unit of money, and parts per million of a rate.</summary>
    public const long Scale = 1_000_000;

    /// <summary>Decimals of money (the settlement asset is always counted in 10^-6).</summary>
    public const int Decimals = 6;

    /// <summary>Bound on any notional or balance (risk-model §1): values stay below 2^56.</summary>
    public const long Bound = 1L << 56;

    /// <summary><c>ceil(amount × ratePpm / 10^6)</c> for amount ≥ 0, rate ≥ 0 — a requirement or a fee owed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MulRateCeil(long amount, long ratePpm)
    {
        // Split amount = hi·10^6 + lo so that both partial products fit 64 bits for amount < 2^63.
        long hi = amount / Scale, lo = amount - hi * Scale;
        long x = lo * ratePpm;
        long q = x / Scale;
        return hi * ratePpm + q + (x - q * Scale > 0 ? 1 : 0);
    }

    /// <summary><c>floor(amount × ratePpm / 10^6)</c> for amount ≥ 0, rate ≥ 0 — a value or an amount received.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MulRateFloor(long amount, long ratePpm)
    {
        long hi = amount / Scale, lo = amount - hi * Scale;
        return hi * ratePpm + lo * ratePpm / Scale;
    }

    /// <summary>Floor division (toward negative infinity).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && ((a < 0) ^ (b < 0))) ? q - 1 : q;
    }

    /// <summary>Floor division of a 128-bit numerator.</summary>
    public static Int128 FloorDiv(Int128 a, Int128 b)
    {
        Int128 q = a / b;
        return (a % b != 0 && ((a < 0) ^ (b < 0))) ? q - 1 : q;
    }

    /// <summary><c>a × b / c</c> truncated toward zero, with a 128-bit intermediate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MulDivTruncate(long a, long b, long c) => (long)((Int128)a * b / c);
}
