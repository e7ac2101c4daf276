namespace CrossMargin.Core.Numerics;

/// <summary>
/// An exact decimal parsed from the wire/config grammar <c>-?[0-9]+(\.[0-9]+)?</c>:
/// <c>Mantissa × 10^-Scale</c>. Never rounds; parsing fails instead.
/// </summary>
public readonly record struct FixedDecimal(long Mantissa, int Scale)
{
    /// <summary>Largest scale accepted (18 significant digits fit a long).</summary>
    public const int MaxScale = 18;

    /// <summary>
    /// Parses the strict decimal grammar. Trailing zeros in the fraction are dropped so that
    /// <c>"1.50"</c> and <c>"1.5"</c> compare equal. Returns false on any deviation or on overflow.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> s, out FixedDecimal value)
    {
        value = default;
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] == '-') { negative = true; i = 1; }
        int intStart = i;
        while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        if (i == intStart) return false;
        int intEnd = i;
        int fracStart = -1, fracEnd = -1;
        if (i < s.Length)
        {
            if (s[i] != '.') return false;
            i++;
            fracStart = i;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
            if (i == fracStart || i != s.Length) return false;
            fracEnd = i;
            // drop trailing zeros of the fraction: they carry no value
            while (fracEnd > fracStart && s[fracEnd - 1] == '0') fracEnd--;
        }
        // leading zeros of the integer part carry no value either
        while (intStart < intEnd - 1 && s[intStart] == '0') intStart++;
        int scale = fracStart < 0 ? 0 : fracEnd - fracStart;
        if (scale > MaxScale) return false;
        long m = 0;
        for (int k = intStart; k < intEnd; k++)
        {
            if (m > (long.MaxValue - 9) / 10) return false;
            m = m * 10 + (s[k] - '0');
        }
        for (int k = fracStart; k < fracEnd; k++)
        {
            if (m > (long.MaxValue - 9) / 10) return false;
            m = m * 10 + (s[k] - '0');
        }
        value = new FixedDecimal(negative ? -m : m, scale);
        return true;
    }

    /// <summary>True when <paramref name="s"/> matches <c>-?[0-9]+(\.[0-9]+)?</c>, whatever its size.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> s)
    {
        int i = s.Length > 0 && s[0] == '-' ? 1 : 0, start = i;
        while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        if (i == start) return false;
        if (i == s.Length) return true;
        if (s[i++] != '.') return false;
        int frac = i;
        while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        return i > frac && i == s.Length;
    }

    /// <summary>
    /// Converts to an integer count of <paramref name="unit"/>s (a lot, a tick, 10^-decimals).
    /// Fails when the value is not a whole number of units or the count overflows a long.
    /// </summary>
    public bool TryToUnits(FixedDecimal unit, out long units)
    {
        units = 0;
        if (unit.Mantissa <= 0) return false;
        // value / unit = (M × 10^-s) / (U × 10^-t) = M × 10^(t-s) / U, computed exactly in 128 bits.
        Int128 num = Mantissa, den = unit.Mantissa;
        int shift = unit.Scale - Scale;
        if (shift >= 0) num *= Pow10(shift); else den *= Pow10(-shift);
        if (num % den != 0) return false;
        Int128 q = num / den;
        if (q > long.MaxValue || q < long.MinValue) return false;
        units = (long)q;
        return true;
    }

    /// <summary>Converts to a count of 10^-<paramref name="scale"/> units; fails if more decimals are given.</summary>
    public bool TryToScaled(int scale, out long units) => TryToUnits(new FixedDecimal(1, scale), out units);

    internal static Int128 Pow10(int n)
    {
        Int128 r = 1;
        for (int i = 0; i < n; i++) r *= 10;
        return r;
    }

    /// <inheritdoc />
    public override string ToString() => Format(Mantissa, Scale);

    /// <summary>
    /// Formats <c>mantissa × 10^-scale</c> with no trailing zeros and no '+': "1.5", "0", "-12.25".
    /// </summary>
    public static string Format(long mantissa, int scale)
    {
        Span<char> buf = stackalloc char[48];
        int n = Format(mantissa, scale, buf);
        return new string(buf[..n]);
    }

    /// <summary>Allocation-free formatting into <paramref name="dest"/> (at least 48 chars); returns the length.</summary>
    public static int Format(long mantissa, int scale, Span<char> dest)
    {
        // Work in 128 bits so long.MinValue has a magnitude.
        Int128 v = mantissa;
        bool negative = v < 0;
        if (negative) v = -v;
        Span<char> digits = stackalloc char[48];
        int nd = 0;
        do { digits[nd++] = (char)('0' + (int)(v % 10)); v /= 10; } while (v != 0);
        // digits are reversed; pad so there is at least one integer digit
        while (nd <= scale) digits[nd++] = '0';
        int fracLen = scale;
        int trim = 0;
        while (trim < fracLen && digits[trim] == '0') trim++;
        int pos = 0;
        if (negative && !(nd == scale + 1 && digits[scale] == '0' && trim == fracLen)) dest[pos++] = '-';
        for (int k = nd - 1; k >= scale; k--) dest[pos++] = digits[k];
        if (trim < fracLen)
        {
            dest[pos++] = '.';
            for (int k = fracLen - 1; k >= trim; k--) dest[pos++] = digits[k];
        }
        return pos;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> (configuration paths only).</summary>
    public static FixedDecimal Parse(string s) =>
        TryParse(s, out var d) ? d : throw new FormatException($"'{s}' is not a decimal of the form -?digits(.digits)?");
}
