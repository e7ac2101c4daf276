using System.Runtime.InteropServices;

namespace CrossMargin.Gate.Host;

/// <summary>Pins the calling thread to one CPU (Linux <c>sched_setaffinity</c>); see native-config/tuning.md.</summary>
public static partial class CpuAffinity
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint cpusetsize, ReadOnlySpan<ulong> mask);

    /// <summary>
    /// Pins the calling thread to <paramref name="cpu"/> (−1: leave it to the OS). Returns false, and
    /// leaves the thread as it was, where the OS refuses or is not Linux; pinning is an optimisation,
    /// never a reason to stop the gate.
    /// </summary>
    public static bool PinCurrentThread(int cpu)
    {
        if (cpu < 0) return true;
        if (!OperatingSystem.IsLinux() || cpu >= 1024) return false;
        Span<ulong> mask = stackalloc ulong[16]; // 1024 CPUs, the glibc cpu_set_t size
        mask.Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        // pid 0 = the calling thread (sched_setaffinity acts on a thread id on Linux).
        return sched_setaffinity(0, mask.Length * sizeof(ulong), mask) == 0;
    }
}
