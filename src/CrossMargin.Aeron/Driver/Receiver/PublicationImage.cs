using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// The receiver's side of one publisher's stream (the C driver's publication image): rebuilds the term
/// buffers from DATA datagrams, detects gaps and NAKs them, schedules SMs, cleans consumed log
/// incrementally, and follows EOS and liveness. The client <see cref="Image"/> reads the same log.
/// Single-threaded: owned by the duty-cycle thread.
/// </summary>
internal sealed class PublicationImage
{
    private readonly ReceiverDispatcher _dispatcher;
    private readonly DriverOptions _options;
    private readonly byte[] _log;
    private readonly int _termLengthMask;
    private readonly int _receiverWindow;
    private readonly LossDetector _lossDetector;
    private readonly TermCleaner _cleaner;

    private long _rebuildPosition;
    private long _highWaterMarkPosition;
    private long _lastSmPosition;
    private long _lastSmTimeNs;
    private bool _smPending = true;
    private long _lastPacketNs;

    private bool _endOfStream;
    private long _endOfStreamPosition = long.MaxValue;
    private int _endOfStreamSmsSent;

    internal PublicationImage(ReceiverDispatcher dispatcher, in SetupInfo setup, SocketAddressV4 controlAddress, bool isGroup, long nowNs, DriverOptions options, long receiverWindow, long nakDelayNs)
    {
        _dispatcher = dispatcher;
        _options = options;
        SessionId = setup.SessionId;
        StreamId = setup.StreamId;
        InitialTermId = setup.InitialTermId;
        TermLength = setup.TermLength;
        Mtu = setup.Mtu;
        PositionBitsToShift = LogBufferDescriptor.PositionBitsToShift(TermLength);
        _termLengthMask = TermLength - 1;
        _log = TermBuffers.Allocate(TermLength, options.PreTouchTermBuffers);
        _receiverWindow = (int)Math.Min(receiverWindow, TermLength / 2);
        _lossDetector = new LossDetector(isGroup, nakDelayNs, options, unchecked(setup.SessionId * 31 + setup.StreamId));
        ControlAddress = controlAddress;

        JoinPosition = LogBufferDescriptor.ComputePosition(setup.ActiveTermId, setup.TermOffset, PositionBitsToShift, InitialTermId);
        SubscriberPosition = JoinPosition;
        // Never less than one cycle's intake, so cleaning keeps up with receiving.
        _cleaner = new TermCleaner(_log, TermLength, JoinPosition, Math.Max(options.TermCleanBytesPerCycle, options.ReceiveBatchLimit * Mtu));
        _rebuildPosition = JoinPosition;
        _highWaterMarkPosition = JoinPosition;
        _lastSmPosition = JoinPosition;
        _lastPacketNs = nowNs;
    }

    public int SessionId { get; }
    public int StreamId { get; }
    public int InitialTermId { get; }
    public int TermLength { get; }
    public int Mtu { get; }
    public int PositionBitsToShift { get; }
    public long JoinPosition { get; }
    /// <summary>The three term buffers (the client image reads them).</summary>
    public byte[] Log => _log;
    /// <summary>Where the client image has consumed up to (it writes this; SMs and cleaning read it).</summary>
    public long SubscriberPosition;
    public long RebuildPosition => _rebuildPosition;
    public long HighWaterMarkPosition => _highWaterMarkPosition;
    public long CleanPosition => _cleaner.Position;
    public int ReceiverWindow => _receiverWindow;
    public bool IsEndOfStream => _endOfStream;
    public SocketAddressV4 ControlAddress { get; internal set; }
    /// <summary>Where the SETUP that opened this image came from (RTTM replies go only there).</summary>
    public SocketAddressV4 Source { get; internal set; }
    public long NaksSent => _naksSent.Value;
    private OrderedCounter _naksSent;
    public long StatusMessagesSent => _statusMessagesSent.Value;
    private OrderedCounter _statusMessagesSent;
    public long DirtyPartitionDrops => _dirtyPartitionDrops.Value;
    private OrderedCounter _dirtyPartitionDrops;
    public long MalformedDatagrams => _malformedDatagrams.Value;
    private OrderedCounter _malformedDatagrams;
    /// <summary>Times the rebuild scan or the poller met a header no sender writes (overlapping forged datagrams) and stopped there.</summary>
    public long CorruptFrames => _corruptFrames.Value;
    private OrderedCounter _corruptFrames;
    /// <summary>Counts a corrupt header the client poller met (it stops there).</summary>
    internal void CountCorruptFrame() => _corruptFrames.Increment();
    public bool IsClosed { get; private set; }

    /// <summary>Copies a DATA/PAD datagram (or handles a heartbeat) into the log.</summary>
    internal void InsertPacket(ReadOnlySpan<byte> datagram, long nowNs)
    {
        int termId = Le.I32(datagram, DataHeader.TermIdOffset);
        int termOffset = Le.I32(datagram, DataHeader.TermOffsetOffset);
        long packetPosition = LogBufferDescriptor.ComputePosition(termId, termOffset, PositionBitsToShift, InitialTermId);

        if (DataHeader.IsHeartbeat(datagram))
        {
            // Heartbeats carry the sender position: a tail loss shows up as a gap up to it.
            if (packetPosition >= _lastSmPosition - TermLength && packetPosition <= _lastSmPosition + TermLength)
            {
                _lastPacketNs = nowNs;
                if (packetPosition > _highWaterMarkPosition) _highWaterMarkPosition = packetPosition;
                if ((FrameHeader.ReadFlags(datagram) & FrameFlags.EndOfStream) != 0 && !_endOfStream)
                {
                    _endOfStream = true;
                    _endOfStreamPosition = packetPosition;
                }
            }
            return;
        }

        if (termOffset < 0 || (termOffset & (ProtocolConstants.FrameAlignment - 1)) != 0 || termOffset + datagram.Length > TermLength
            || !AreFramesWellFormed(datagram, termOffset))
        {
            _malformedDatagrams.Increment();
            return;
        }
        long packetEnd = packetPosition + datagram.Length;
        // Over-run: beyond what our SM allowed; under-run: already consumed (never rewritten once cleaned).
        if (packetEnd > _lastSmPosition + TermLength / 2 || packetPosition < SubscriberPosition || packetEnd <= _rebuildPosition)
        {
            return;
        }

        if (packetEnd > CleanLimit)
        {
            // Its partition still holds frames of three terms ago: taking it would mix them in.
            _dirtyPartitionDrops.Increment();
            return;
        }

        _lastPacketNs = nowNs;
        int index = LogBufferDescriptor.IndexByPosition(packetPosition, PositionBitsToShift);
        // As Aeron's term rebuilder: a slot already filled is never rewritten, so a replayed or forged datagram
        // with another frame layout cannot cut through frames the rebuild scan has already chained.
        if (Le.I32(_log, index * TermLength + termOffset) != 0) return;
        datagram.CopyTo(_log.AsSpan(index * TermLength + termOffset));
        if (packetEnd > _highWaterMarkPosition) _highWaterMarkPosition = packetEnd;
        AdvanceRebuildPosition();
    }

    /// <summary>
    /// Checks every frame of a datagram before it is copied into the term, so a corrupt or hostile datagram can
    /// never make the reader or the rebuild scan step outside a term: each frame is at least a header, lies in the
    /// datagram when aligned, and a PAD is the last frame and ends exactly at the term end.
    /// </summary>
    private bool AreFramesWellFormed(ReadOnlySpan<byte> datagram, int termOffset)
    {
        int offset = 0;
        while (offset < datagram.Length)
        {
            if (datagram.Length - offset < DataHeader.Length) return false;
            ReadOnlySpan<byte> frame = datagram[offset..];
            int frameLength = FrameHeader.ReadFrameLength(frame);
            if (frameLength < DataHeader.Length || FrameHeader.ReadVersion(frame) != ProtocolConstants.Version) return false;
            if (Le.I32(frame, DataHeader.TermOffsetOffset) != termOffset + offset) return false;
            short type = FrameHeader.ReadType(frame);
            if (type == FrameType.Pad)
            {
                return termOffset + offset + frameLength == TermLength && offset + DataHeader.Length == datagram.Length;
            }
            if (type != FrameType.Data || frameLength > Mtu) return false;
            offset += ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
            if (offset > datagram.Length) return false;
        }
        return true;
    }

    private long CleanLimit => _cleaner.Limit;

    private void AdvanceRebuildPosition()
    {
        long position = _rebuildPosition;
        long limit = CleanLimit;
        while (position < limit)
        {
            int index = LogBufferDescriptor.IndexByPosition(position, PositionBitsToShift);
            int offset = (int)(position & _termLengthMask);
            int frameLength = Le.I32(_log, index * TermLength + offset);
            if (frameLength <= 0) break;
            // Overlapping datagrams of different layouts can leave payload bytes where a header should be: the
            // scan stops there (counted) rather than hand the poller a frame shorter than a header or past the term.
            if (frameLength < DataHeader.Length || offset + ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment) > TermLength)
            {
                _corruptFrames.Increment();
                break;
            }
            position += ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
        }
        _rebuildPosition = position;
        if (position > _highWaterMarkPosition) _highWaterMarkPosition = position;
    }

    /// <summary>Timers: loss detection / NAK, SMs, EOS drain and liveness. Returns work done.</summary>
    internal int DoWork(long nowNs)
    {
        int work = _cleaner.CleanTo(SubscriberPosition);
        work += CheckForLoss(nowNs);

        bool drained = _endOfStream && SubscriberPosition >= _endOfStreamPosition;
        if (SubscriberPosition - _lastSmPosition > _receiverWindow / 4)
        {
            _lastSmPosition = SubscriberPosition;
            _smPending = true;
        }

        if (_smPending || nowNs - _lastSmTimeNs >= _options.StatusMessageTimeoutNs || (drained && _endOfStreamSmsSent == 0))
        {
            SendStatusMessage(drained ? FrameFlags.StatusEndOfStream : (byte)0, nowNs);
            _smPending = false;
            work++;
            if (drained && ++_endOfStreamSmsSent >= _options.EndOfStreamStatusMessageCount)
            {
                IsClosed = true;
            }
        }

        if (nowNs - _lastPacketNs > _options.ImageLivenessTimeoutNs)
        {
            IsClosed = true;
        }
        return work;
    }

    private void SendStatusMessage(byte flags, long nowNs)
    {
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(_lastSmPosition, PositionBitsToShift, InitialTermId);
        int termOffset = LogBufferDescriptor.ComputeTermOffsetFromPosition(_lastSmPosition, PositionBitsToShift);
        _dispatcher.SendStatusMessage(ControlAddress, flags, SessionId, StreamId, termId, termOffset, _receiverWindow);
        _lastSmTimeNs = nowNs;
        _statusMessagesSent.Increment();
    }

    private int CheckForLoss(long nowNs)
    {
        long limit = Math.Min(_highWaterMarkPosition, CleanLimit);
        if (!_lossDetector.Scan(_log, TermLength, PositionBitsToShift, _rebuildPosition, limit, nowNs, out int termOffset, out int length)) return 0;
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(_rebuildPosition, PositionBitsToShift, InitialTermId);
        _dispatcher.SendNak(ControlAddress, SessionId, StreamId, termId, termOffset, length);
        _naksSent.Increment();
        return 1;
    }

    internal readonly record struct SetupInfo(int SessionId, int StreamId, int InitialTermId, int ActiveTermId, int TermOffset, int TermLength, int Mtu);
}
