using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CrossMargin.Core.Kernels;

/// <summary>Software prefetch of a state row (a hint only: never blocks, never faults, changes nothing).</summary>
internal static class CacheHint
{
    /// <summary>True when the CPU takes prefetch hints.</summary>
    public static bool Supported => Sse.IsSupported;

    /// <summary>Asks the CPU to bring the cache line holding <paramref name="at"/> into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Load<T>(ref T at) where T : unmanaged => Sse.Prefetch0(Unsafe.AsPointer(ref at));
}
