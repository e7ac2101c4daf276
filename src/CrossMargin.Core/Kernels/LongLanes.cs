using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossMargin.Core.Kernels;

/// <summary>
/// The handful of 64-bit lane operations the kernels need, abstracted over the vector width so
/// each kernel is written once and the JIT specialises it per width (struct generic, no dispatch).
/// </summary>
internal interface ILongLanes<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract bool IsAccelerated { get; }
    static abstract TV Load(ref long source, nuint offset);
    static abstract void Store(TV value, ref long destination, nuint offset);
    static abstract TV Splat(long value);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Abs(TV a);
    static abstract TV Max(TV a, TV b);
    /// <summary>All-ones lanes where a &gt; b.</summary>
    static abstract TV GreaterThan(TV a, TV b);
    static abstract TV Select(TV mask, TV whenTrue, TV whenFalse);
    /// <summary>Truncation of x × 10^-6 computed through double; callers correct it by one.</summary>
    static abstract TV ApproxDivMillion(TV x);
    static abstract long Sum(TV v);
}

internal struct Lanes128 : ILongLanes<Vector128<long>>
{
    public static int Count => Vector128<long>.Count;
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Load(ref long s, nuint o) => Vector128.LoadUnsafe(ref s, o);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<long> v, ref long d, nuint o) => v.StoreUnsafe(ref d, o);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Splat(long v) => Vector128.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Add(Vector128<long> a, Vector128<long> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Sub(Vector128<long> a, Vector128<long> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Mul(Vector128<long> a, Vector128<long> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Abs(Vector128<long> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Max(Vector128<long> a, Vector128<long> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> GreaterThan(Vector128<long> a, Vector128<long> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> Select(Vector128<long> m, Vector128<long> t, Vector128<long> f) => Vector128.ConditionalSelect(m, t, f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<long> ApproxDivMillion(Vector128<long> x) => Vector128.ConvertToInt64(Vector128.ConvertToDouble(x) * 1e-6);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Sum(Vector128<long> v) => Vector128.Sum(v);
}

internal struct Lanes256 : ILongLanes<Vector256<long>>
{
    public static int Count => Vector256<long>.Count;
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Load(ref long s, nuint o) => Vector256.LoadUnsafe(ref s, o);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<long> v, ref long d, nuint o) => v.StoreUnsafe(ref d, o);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Splat(long v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Add(Vector256<long> a, Vector256<long> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Sub(Vector256<long> a, Vector256<long> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Mul(Vector256<long> a, Vector256<long> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Abs(Vector256<long> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Max(Vector256<long> a, Vector256<long> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> GreaterThan(Vector256<long> a, Vector256<long> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> Select(Vector256<long> m, Vector256<long> t, Vector256<long> f) => Vector256.ConditionalSelect(m, t, f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<long> ApproxDivMillion(Vector256<long> x) => Vector256.ConvertToInt64(Vector256.ConvertToDouble(x) * 1e-6);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Sum(Vector256<long> v) => Vector256.Sum(v);
}

internal struct Lanes512 : ILongLanes<Vector512<long>>
{
    public static int Count => Vector512<long>.Count;
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Load(ref long s, nuint o) => Vector512.LoadUnsafe(ref s, o);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<long> v, ref long d, nuint o) => v.StoreUnsafe(ref d, o);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Splat(long v) => Vector512.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Add(Vector512<long> a, Vector512<long> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Sub(Vector512<long> a, Vector512<long> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Mul(Vector512<long> a, Vector512<long> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Abs(Vector512<long> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Max(Vector512<long> a, Vector512<long> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> GreaterThan(Vector512<long> a, Vector512<long> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> Select(Vector512<long> m, Vector512<long> t, Vector512<long> f) => Vector512.ConditionalSelect(m, t, f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<long> ApproxDivMillion(Vector512<long> x) => Vector512.ConvertToInt64(Vector512.ConvertToDouble(x) * 1e-6);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Sum(Vector512<long> v) => Vector512.Sum(v);
}
