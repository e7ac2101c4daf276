using CrossMargin.Aeron.Terms;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// Zeroes an image's consumed log so a partition can be rebuilt again three terms later, a bounded
/// slice per duty cycle and never across a term end, as the C driver cleans behind its subscribers
/// instead of clearing a whole term at rotation. Single-threaded (the receiver's duty cycle).
/// </summary>
internal sealed class TermCleaner
{
    private readonly byte[] _log;
    private readonly int _termLength;
    private readonly int _positionBitsToShift;
    private readonly int _bytesPerCycle;
    private long _position;

    /// <summary>A cleaner for a fresh (zeroed) log whose image joined at <paramref name="joinPosition"/>.</summary>
    public TermCleaner(byte[] log, int termLength, long joinPosition, int bytesPerCycle)
    {
        _log = log;
        _termLength = termLength;
        _positionBitsToShift = LogBufferDescriptor.PositionBitsToShift(termLength);
        _bytesPerCycle = bytesPerCycle;
        // The log starts zeroed: every position below three terms past the join term's start is clean.
        _position = joinPosition - (joinPosition & (termLength - 1));
    }

    /// <summary>Consumed log is clean below this position.</summary>
    public long Position => _position;

    /// <summary>Positions below this lie in clean (or rebuilt) memory: a partition is reused three terms later.</summary>
    public long Limit => _position + LogBufferDescriptor.PartitionCount * (long)_termLength;

    /// <summary>Cleans one slice towards <paramref name="consumedPosition"/>; returns 1 if it cleaned anything.</summary>
    public int CleanTo(long consumedPosition)
    {
        long dirty = consumedPosition - _position;
        if (dirty <= 0) return 0;
        int termOffset = (int)(_position & (_termLength - 1));
        int length = (int)Math.Min(Math.Min(dirty, _bytesPerCycle), _termLength - termOffset);
        int index = LogBufferDescriptor.IndexByPosition(_position, _positionBitsToShift);
        _log.AsSpan(index * _termLength + termOffset, length).Clear();
        _position += length;
        return 1;
    }
}
