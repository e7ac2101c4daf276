using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CrossMargin.Core.Kernels;

/// <summary>Software prefetch of a state row (a hint only: never blocks, never faults, changes nothing).</summary>
internal static class CacheHint
{
    /// <summary>True when the CPU takes prefetch hints.</summary>
    public static bool Supported => Sse.IsSupported;

    /// <summary>Asks the CPU to bring the cache line holding <paramref name="at"/> into L1.</summary>
    /// <remarks>Takes a pointer, not a generic <c>ref T</c>: through a generic helper the look-ahead of a
    /// 1M-account order check measured ~50 ns slower per input (the hints stopped hiding the misses).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Load(void* at) => Sse.Prefetch0(at);
}
