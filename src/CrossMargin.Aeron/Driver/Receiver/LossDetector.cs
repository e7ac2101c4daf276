using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// Finds the first gap in an image's rebuilt log and says when to NAK it, with the C driver's
/// feedback delays: unicast NAKs after the channel's NAK delay and retries after that delay times
/// the retry ratio; group (multicast) NAKs after a random back-off so receivers do not all NAK at
/// once. A gap that changes (repaired in part, or grown) restarts its timer. Single-threaded.
/// </summary>
internal sealed class LossDetector
{
    private readonly bool _isGroup;
    private readonly long _delayNs, _retryDelayNs, _groupBackoffNs;
    private readonly Random _random;
    private long _gapPosition = -1;
    private int _gapLength;
    private long _deadlineNs;

    public LossDetector(bool isGroup, long nakDelayNs, DriverOptions options, int seed)
    {
        _isGroup = isGroup;
        _delayNs = nakDelayNs;
        _retryDelayNs = nakDelayNs * options.NakUnicastRetryDelayRatio;
        _groupBackoffNs = options.NakMulticastMaxBackoffNs;
        _random = new Random(seed);
    }

    /// <summary>
    /// Scans from <paramref name="rebuildPosition"/> (the first missing byte) to the end of its term or
    /// <paramref name="limitPosition"/>; true when a NAK for (<paramref name="termOffset"/>, <paramref name="length"/>) is due now.
    /// </summary>
    public bool Scan(ReadOnlySpan<byte> log, int termLength, int positionBitsToShift, long rebuildPosition, long limitPosition, long nowNs,
        out int termOffset, out int length)
    {
        termOffset = 0;
        length = 0;
        if (rebuildPosition >= limitPosition)
        {
            _gapPosition = -1;
            return false;
        }

        int index = LogBufferDescriptor.IndexByPosition(rebuildPosition, positionBitsToShift);
        termOffset = (int)(rebuildPosition & (termLength - 1));
        long termBegin = rebuildPosition - termOffset;
        int limitOffset = (int)Math.Min(termLength, limitPosition - termBegin);
        ReadOnlySpan<byte> term = log.Slice(index * termLength, termLength);
        int offset = termOffset;
        while (offset < limitOffset && Le.I32(term, offset) <= 0)
        {
            offset += ProtocolConstants.FrameAlignment;
        }
        length = offset - termOffset;

        if (_gapPosition != rebuildPosition || _gapLength != length)
        {
            _gapPosition = rebuildPosition;
            _gapLength = length;
            _deadlineNs = nowNs + (_isGroup ? _random.NextInt64(_groupBackoffNs) : _delayNs);
            return false;
        }

        if (nowNs < _deadlineNs) return false;
        _deadlineNs = nowNs + (_isGroup ? _random.NextInt64(_groupBackoffNs) : _retryDelayNs);
        return true;
    }
}
