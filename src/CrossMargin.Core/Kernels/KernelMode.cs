using System.Runtime.Intrinsics;

namespace CrossMargin.Core.Kernels;

/// <summary>Which implementation a kernel runs; <see cref="Auto"/> picks the widest accelerated one.</summary>
public enum KernelMode
{
    /// <summary>Vector512 where accelerated, else Vector256, else Vector128, else scalar.</summary>
    Auto = 0,
    /// <summary>The scalar twin (reference semantics).</summary>
    Scalar,
    /// <summary>Force 128-bit lanes.</summary>
    Vector128,
    /// <summary>Force 256-bit lanes.</summary>
    Vector256,
    /// <summary>Force 512-bit lanes.</summary>
    Vector512,
}

/// <summary>Resolves <see cref="KernelMode.Auto"/> against the CPU.</summary>
public static class KernelSelection
{
    /// <summary>The concrete mode <paramref name="mode"/> runs on this machine.</summary>
    public static KernelMode Resolve(KernelMode mode) => mode != KernelMode.Auto ? mode
        : Vector512.IsHardwareAccelerated ? KernelMode.Vector512
        : Vector256.IsHardwareAccelerated ? KernelMode.Vector256
        : Vector128.IsHardwareAccelerated ? KernelMode.Vector128
        : KernelMode.Scalar;
}
