using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;

namespace CrossMargin.Aeron.Subscriptions;

/// <summary>
/// One publisher's stream inside a subscription: rebuilds the term buffers from DATA datagrams, detects gaps
/// and NAKs them, schedules SMs, follows EOS and liveness, and hands whole messages to the poller.
/// Single-threaded: owned by the duty-cycle thread.
/// </summary>
public sealed class Image
{
    private readonly Subscription _subscription;
    private readonly DriverOptions _options;
    private readonly byte[] _log;
    private readonly int _termLengthMask;
    private readonly int _receiverWindow;
    private readonly byte[] _reassembly;
    private readonly Random _random;
    private readonly bool _isGroup;
    private readonly long _nakDelayNs;

    private long _subscriberPosition;
    private long _rebuildPosition;
    private long _highWaterMarkPosition;
    private long _lastSmPosition;
    private long _lastSmTimeNs;
    private bool _smPending = true;
    private long _lastPacketNs;

    private long _gapPosition = -1;
    private int _gapLength;
    private long _nakDeadlineNs;

    private int _reassemblyLength;
    private bool _reassembling;

    private bool _endOfStream;
    private long _endOfStreamPosition = long.MaxValue;
    private int _endOfStreamSmsSent;

    internal Image(Subscription subscription, in SetupInfo setup, SocketAddressV4 controlAddress, bool isGroup, long nowNs, DriverOptions options, long receiverWindow, long nakDelayNs)
    {
        _subscription = subscription;
        _options = options;
        SessionId = setup.SessionId;
        StreamId = setup.StreamId;
        InitialTermId = setup.InitialTermId;
        TermLength = setup.TermLength;
        Mtu = setup.Mtu;
        PositionBitsToShift = LogBufferDescriptor.PositionBitsToShift(TermLength);
        _termLengthMask = TermLength - 1;
        _log = TermBuffers.Allocate(TermLength, options.PreTouchTermBuffers);
        _reassembly = new byte[LogBufferDescriptor.ComputeMaxMessageLength(TermLength)];
        _receiverWindow = (int)Math.Min(receiverWindow, TermLength / 2);
        _isGroup = isGroup;
        _nakDelayNs = nakDelayNs;
        _random = new Random(unchecked(setup.SessionId * 31 + setup.StreamId));
        ControlAddress = controlAddress;

        JoinPosition = LogBufferDescriptor.ComputePosition(setup.ActiveTermId, setup.TermOffset, PositionBitsToShift, InitialTermId);
        _subscriberPosition = JoinPosition;
        _rebuildPosition = JoinPosition;
        _highWaterMarkPosition = JoinPosition;
        _lastSmPosition = JoinPosition;
        _lastPacketNs = nowNs;
    }

    /// <summary>Session id of the publisher.</summary>
    public int SessionId { get; }
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Publisher's initial term id.</summary>
    public int InitialTermId { get; }
    /// <summary>Term length from the SETUP.</summary>
    public int TermLength { get; }
    /// <summary>MTU from the SETUP.</summary>
    public int Mtu { get; }
    /// <summary>log2(term length).</summary>
    public int PositionBitsToShift { get; }
    /// <summary>Position the image joined at.</summary>
    public long JoinPosition { get; }
    /// <summary>Position of the next byte the poller will read.</summary>
    public long Position => _subscriberPosition;
    /// <summary>Contiguous data received up to here.</summary>
    public long RebuildPosition => _rebuildPosition;
    /// <summary>Highest position seen in data or heartbeats.</summary>
    public long HighWaterMarkPosition => _highWaterMarkPosition;
    /// <summary>Window advertised in SMs.</summary>
    public int ReceiverWindow => _receiverWindow;
    /// <summary>True once an EOS heartbeat was seen.</summary>
    public bool IsEndOfStream => _endOfStream;
    /// <summary>Where SMs and NAKs go.</summary>
    public SocketAddressV4 ControlAddress { get; internal set; }
    /// <summary>NAKs sent.</summary>
    public long NaksSent { get; private set; }
    /// <summary>SMs sent.</summary>
    public long StatusMessagesSent { get; private set; }
    /// <summary>DATA/PAD datagrams rejected as malformed.</summary>
    public long MalformedDatagrams { get; private set; }
    /// <summary>Times the rebuild scan met a header no sender writes (overlapping forged datagrams) and stopped there.</summary>
    public long CorruptFrames { get; private set; }

    internal bool IsClosed { get; private set; }

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
            MalformedDatagrams++;
            return;
        }
        long packetEnd = packetPosition + datagram.Length;
        // Over-run: beyond what our SM allowed; under-run: already consumed (never rewritten once cleaned).
        if (packetEnd > _lastSmPosition + TermLength / 2 || packetPosition < _subscriberPosition || packetEnd <= _rebuildPosition)
        {
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

    private void AdvanceRebuildPosition()
    {
        long position = _rebuildPosition;
        while (true)
        {
            int index = LogBufferDescriptor.IndexByPosition(position, PositionBitsToShift);
            int offset = (int)(position & _termLengthMask);
            int frameLength = Le.I32(_log, index * TermLength + offset);
            if (frameLength <= 0) break;
            // Overlapping datagrams of different layouts can leave payload bytes where a header should be: the
            // scan stops there (counted) rather than hand the poller a frame shorter than a header or past the term.
            if (frameLength < DataHeader.Length || offset + ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment) > TermLength)
            {
                CorruptFrames++;
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
        int work = 0;
        work += CheckForLoss(nowNs);

        bool drained = _endOfStream && _subscriberPosition >= _endOfStreamPosition;
        if (_subscriberPosition - _lastSmPosition > _receiverWindow / 4)
        {
            _lastSmPosition = _subscriberPosition;
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
        _subscription.SendStatusMessage(ControlAddress, flags, SessionId, StreamId, termId, termOffset, _receiverWindow);
        _lastSmTimeNs = nowNs;
        StatusMessagesSent++;
    }

    private int CheckForLoss(long nowNs)
    {
        if (_rebuildPosition >= _highWaterMarkPosition)
        {
            _gapPosition = -1;
            return 0;
        }

        int index = LogBufferDescriptor.IndexByPosition(_rebuildPosition, PositionBitsToShift);
        int termOffset = (int)(_rebuildPosition & _termLengthMask);
        long termBegin = _rebuildPosition - termOffset;
        int limitOffset = (int)Math.Min(TermLength, _highWaterMarkPosition - termBegin);
        int offset = termOffset;
        ReadOnlySpan<byte> term = _log.AsSpan(index * TermLength, TermLength);
        while (offset < limitOffset && Le.I32(term, offset) <= 0)
        {
            offset += ProtocolConstants.FrameAlignment;
        }
        int gapLength = offset - termOffset;

        if (_gapPosition != _rebuildPosition || _gapLength != gapLength)
        {
            _gapPosition = _rebuildPosition;
            _gapLength = gapLength;
            _nakDeadlineNs = nowNs + FirstNakDelay();
            return 0;
        }

        if (nowNs < _nakDeadlineNs) return 0;

        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(_rebuildPosition, PositionBitsToShift, InitialTermId);
        _subscription.SendNak(ControlAddress, SessionId, StreamId, termId, termOffset, gapLength);
        NaksSent++;
        _nakDeadlineNs = nowNs + RetryNakDelay();
        return 1;
    }

    private long FirstNakDelay() => _isGroup ? _random.NextInt64(_options.NakMulticastMaxBackoffNs) : _nakDelayNs;

    private long RetryNakDelay() => _isGroup ? _random.NextInt64(_options.NakMulticastMaxBackoffNs) : _nakDelayNs * _options.NakUnicastRetryDelayRatio;

    /// <summary>Delivers up to <paramref name="fragmentLimit"/> fragments; whole messages reach the handler.</summary>
    internal int Poll<THandler>(ref THandler handler, int fragmentLimit) where THandler : IFragmentHandler
    {
        int fragments = 0;
        long position = _subscriberPosition;
        long startTermCount = position >> PositionBitsToShift;
        while (fragments < fragmentLimit && position < _rebuildPosition)
        {
            int index = LogBufferDescriptor.IndexByPosition(position, PositionBitsToShift);
            int offset = (int)(position & _termLengthMask);
            ReadOnlySpan<byte> frame = _log.AsSpan(index * TermLength + offset);
            int frameLength = FrameHeader.ReadFrameLength(frame);
            if (frameLength <= 0) break;
            if (frameLength < DataHeader.Length || offset + frameLength > TermLength)
            {
                CorruptFrames++; // a forged datagram rewrote a chained header: stop here, never read past it
                break;
            }
            int alignedLength = ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
            position += alignedLength;
            if (FrameHeader.ReadType(frame) == FrameType.Pad) continue;

            fragments++;
            byte flags = FrameHeader.ReadFlags(frame);
            ReadOnlySpan<byte> payload = frame.Slice(DataHeader.Length, frameLength - DataHeader.Length);
            if ((flags & FrameFlags.Unfragmented) == FrameFlags.Unfragmented)
            {
                _reassembling = false;
                var header = MakeHeader(frame, frameLength, flags, position);
                handler.OnFragment(payload, header);
            }
            else if ((flags & FrameFlags.Begin) != 0)
            {
                if (payload.Length > _reassembly.Length)
                {
                    _reassembling = false; // a first fragment longer than the largest message (MTU above term length / 8)
                    continue;
                }
                payload.CopyTo(_reassembly);
                _reassemblyLength = payload.Length;
                _reassembling = true;
            }
            else if (_reassembling)
            {
                if (_reassemblyLength + payload.Length > _reassembly.Length)
                {
                    _reassembling = false; // corrupt stream: drop the message rather than overflow
                    continue;
                }
                payload.CopyTo(_reassembly.AsSpan(_reassemblyLength));
                _reassemblyLength += payload.Length;
                if ((flags & FrameFlags.End) != 0)
                {
                    _reassembling = false;
                    var header = MakeHeader(frame, frameLength, flags, position);
                    handler.OnFragment(_reassembly.AsSpan(0, _reassemblyLength), header);
                }
            }
        }

        long endTermCount = position >> PositionBitsToShift;
        _subscriberPosition = position;
        for (long t = startTermCount; t < endTermCount; t++)
        {
            // The term just left will hold term t + 3: clean it so stale frames never look like new data.
            _log.AsSpan((int)(t % LogBufferDescriptor.PartitionCount) * TermLength, TermLength).Clear();
        }
        return fragments;
    }

    private FragmentHeader MakeHeader(ReadOnlySpan<byte> frame, int frameLength, byte flags, long positionAfter) => new(
        SessionId, StreamId, Le.I32(frame, DataHeader.TermIdOffset), Le.I32(frame, DataHeader.TermOffsetOffset), frameLength, flags,
        Le.I64(frame, DataHeader.ReservedValueOffset), positionAfter, InitialTermId, PositionBitsToShift);

    internal readonly record struct SetupInfo(int SessionId, int StreamId, int InitialTermId, int ActiveTermId, int TermOffset, int TermLength, int Mtu);
}
