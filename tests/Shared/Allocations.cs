namespace CrossMargin.Tests.Shared;

/// <summary>Allocation measurement for zero-allocation tests.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes this thread allocated in <paramref name="measured"/>, the least over up to
    /// <paramref name="rounds"/> rounds (stopping at the first round of zero). The runtime itself may
    /// allocate once on the thread while it swaps in optimised code (tiering); an allocation per
    /// operation shows in every round, so the least of the rounds is the figure to assert on.
    /// </summary>
    public static long LeastOf(int rounds, Action measured)
    {
        long least = long.MaxValue;
        for (int round = 0; round < rounds && least != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            measured();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
