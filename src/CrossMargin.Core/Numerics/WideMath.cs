namespace CrossMargin.Core.Numerics;

/// <summary>Exact comparisons of products too wide for 128 bits (ADL scores, §8).</summary>
public static class WideMath
{
    /// <summary>Compares a/b with c/d for positive denominators: sign of a·d − c·b, in 256 bits.</summary>
    public static int CompareFractions(UInt128 a, UInt128 b, UInt128 c, UInt128 d)
    {
        Multiply(a, d, out UInt128 lhsHi, out UInt128 lhsLo);
        Multiply(c, b, out UInt128 rhsHi, out UInt128 rhsLo);
        int cmp = lhsHi.CompareTo(rhsHi);
        return cmp != 0 ? cmp : lhsLo.CompareTo(rhsLo);
    }

    /// <summary>Full 128 × 128 → 256-bit product.</summary>
    public static void Multiply(UInt128 x, UInt128 y, out UInt128 hi, out UInt128 lo)
    {
        ulong x0 = (ulong)x, x1 = (ulong)(x >> 64), y0 = (ulong)y, y1 = (ulong)(y >> 64);
        UInt128 p00 = (UInt128)x0 * y0, p01 = (UInt128)x0 * y1, p10 = (UInt128)x1 * y0, p11 = (UInt128)x1 * y1;
        UInt128 mid = (p00 >> 64) + (ulong)p01 + (ulong)p10;          // < 3·2^64, no overflow
        lo = (mid << 64) | (ulong)p00;
        hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    }
}
