using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossMargin.Core.State;

/// <summary>
/// Asks Linux to back the large state tables with 2 MiB transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>;
/// most hosts run THP in "madvise" mode, where memory gets huge pages only when asked). At a million
/// accounts the tables span gigabytes, so with 4 KiB pages nearly every random account access also
/// misses the TLB and walks the page table; with 2 MiB pages the walk mostly hits. A hint only:
/// ignored where unsupported or refused, and no state depends on it. Call it right after allocating,
/// before the pages are first touched.
/// </summary>
internal static partial class HugePages
{
    private const int MadvHugepage = 14;
    private const long Huge = 2 << 20;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Advises the whole 2 MiB pages inside an array's data (arrays under 2 MiB are left alone).</summary>
    public static unsafe void Advise<T>(T[] array) where T : unmanaged
    {
        if (!OperatingSystem.IsLinux() || (long)array.Length * sizeof(T) < Huge) return;
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nint end = start + (nint)((long)array.Length * sizeof(T));
        nint first = (start + (nint)(Huge - 1)) & ~(nint)(Huge - 1), last = end & ~(nint)(Huge - 1);
        if (last <= first) return;
        try { _ = Madvise(first, (nuint)(last - first), MadvHugepage); }
        catch (DllNotFoundException) { } // not glibc: keep the default pages
        catch (EntryPointNotFoundException) { }
    }
}
