namespace CrossMargin.Aeron.Terms;

/// <summary>Allocation of the three-partition log that backs a publication or an image.</summary>
public static class TermBuffers
{
    private const int PageSize = 4096;

    /// <summary>
    /// Allocates a pinned log of <see cref="LogBufferDescriptor.PartitionCount"/> terms. With
    /// <paramref name="preTouch"/> every page is written once now, so first-touch page faults (which on a VM
    /// can take milliseconds) happen at setup instead of on the message path.
    /// </summary>
    public static byte[] Allocate(int termLength, bool preTouch)
    {
        byte[] log = GC.AllocateArray<byte>(termLength * LogBufferDescriptor.PartitionCount, pinned: true);
        if (preTouch)
        {
            for (int i = 0; i < log.Length; i += PageSize)
            {
                Volatile.Write(ref log[i], 0); // a write, not a read: reads map the shared zero page
            }
        }
        return log;
    }
}
