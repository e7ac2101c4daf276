using System.Runtime.CompilerServices;
using CrossMargin.Aeron.Protocol;

namespace CrossMargin.Aeron.Terms;

/// <summary>
/// Scans a term for a batch of whole frames to send in one datagram (aeron-wire.md §6, sender batching):
/// frames are never split, a PAD ends the batch and only its 32-byte header travels.
/// </summary>
public static class TermScanner
{
    /// <summary>
    /// Scans from <paramref name="termOffset"/> up to <paramref name="maxLength"/> bytes (never past the
    /// term end). Returns the number of bytes to send in <paramref name="bytesToSend"/> and the number of
    /// term bytes consumed (sent bytes plus PAD body) as the return value; 0 if nothing is available.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ScanForAvailability(ReadOnlySpan<byte> term, int termOffset, int maxLength, out int bytesToSend)
    {
        int limit = Math.Min(maxLength, term.Length - termOffset);
        int available = 0;
        int padding = 0;
        while (available < limit)
        {
            int frameOffset = termOffset + available;
            int frameLength = FrameHeader.ReadFrameLength(term[frameOffset..]);
            if (frameLength <= 0)
            {
                break;
            }

            int alignedLength = ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
            if (FrameHeader.ReadType(term[frameOffset..]) == FrameType.Pad)
            {
                // The PAD header travels, its body does not; the batch stops so the next term starts a datagram.
                padding = alignedLength - DataHeader.Length;
                alignedLength = DataHeader.Length;
                if (available + alignedLength > limit && available > 0)
                {
                    padding = 0;
                    break;
                }
                available += alignedLength;
                break;
            }

            if (available + alignedLength > limit)
            {
                break;
            }
            available += alignedLength;
        }

        bytesToSend = available;
        return available + padding;
    }
}
