using System.Net;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;
using CrossMargin.Aeron.Uri;

namespace CrossMargin.Aeron.Publications;

/// <summary>
/// A publication and its sender in one object: <see cref="Offer"/> writes frames into three term buffers and
/// the embedded driver's duty cycle sends them as the receivers' SM windows allow, with SETUP, heartbeats,
/// NAK-driven retransmission, RTTM echoes and EOS as the C media driver does. Single-threaded: call it
/// from the thread that drives <see cref="EmbeddedDriver.DoWork"/>.
/// </summary>
public sealed class NetworkPublication : IDisposable
{
    private const int MaxReceivers = 64;
    private const int ControlBufferLength = 64 * 1024;

    private readonly DriverOptions _options;
    private readonly byte[] _log;
    private readonly int _termLengthMask;
    private readonly int _termWindowLength;
    private readonly long _maxPossiblePosition;
    private readonly UdpTransport _sender;
    private readonly UdpTransport? _controlReceiver;
    private readonly SocketAddressV4 _destination;
    private readonly byte[] _controlBuffer = new byte[ControlBufferLength];
    private readonly byte[] _frameBuffer = new byte[ErrorFlyweight.HeaderLength];

    private readonly long[] _receiverIds = new long[MaxReceivers];
    private readonly long[] _receiverLastSmNs = new long[MaxReceivers];
    private int _receiverCount;

    private readonly long[] _retransmitStart;
    private readonly long[] _retransmitEnd;
    private readonly long[] _retransmitExpiryNs;

    private long _producerPosition;
    private long _senderPosition;
    private long _senderLimit;
    private long _timeOfLastSetupNs;
    private long _timeOfLastSendNs;
    private bool _shouldSendSetup = true;
    private bool _hasInitialConnection;
    private PublicationState _state = PublicationState.Active;
    private long _endOfStreamPosition = long.MaxValue;
    private long _drainedAtNs;
    private bool _endOfStreamAcknowledged;

    internal NetworkPublication(UdpChannel channel, int streamId, int sessionId, int initialTermId, DriverOptions options)
    {
        Channel = channel;
        StreamId = streamId;
        SessionId = sessionId;
        InitialTermId = initialTermId;
        TermLength = channel.TermLength;
        Mtu = channel.Mtu;
        _options = options;
        PositionBitsToShift = LogBufferDescriptor.PositionBitsToShift(TermLength);
        _termLengthMask = TermLength - 1;
        _termWindowLength = TermLength / 2;
        MaxPayloadLength = Mtu - DataHeader.Length;
        MaxMessageLength = LogBufferDescriptor.ComputeMaxMessageLength(TermLength);
        _maxPossiblePosition = LogBufferDescriptor.MaxPossiblePosition(TermLength);
        _log = TermBuffers.Allocate(TermLength, options.PreTouchTermBuffers);
        int resendSlots = channel.IsMulticast ? Math.Max(1, options.MaxResend) : 1;
        _retransmitStart = new long[resendSlots];
        _retransmitEnd = new long[resendSlots];
        _retransmitExpiryNs = new long[resendSlots];

        IPAddress bindAddress = channel.Interface
            ?? (IPAddress.IsLoopback(channel.Endpoint.Address) ? IPAddress.Loopback : IPAddress.Any);
        _sender = UdpTransport.CreateSender(bindAddress, channel.IsMulticast, channel.Interface, channel.Ttl,
            channel.SocketRcvBuf > 0 ? channel.SocketRcvBuf : options.SocketReceiveBufferSize, channel.SocketSndBuf > 0 ? channel.SocketSndBuf : options.SocketSendBufferSize);
        try
        {
            if (channel.IsMulticast)
            {
                // Receivers send SMs and NAKs to the control group (data group + 1), so the sender listens there.
                _controlReceiver = UdpTransport.BindMulticast(channel.ControlGroup!, channel.Interface, channel.Ttl, options.SocketReceiveBufferSize);
            }
        }
        catch
        {
            _sender.Dispose();
            throw;
        }
        _destination = SocketAddressV4.From(channel.Endpoint);
        _timeOfLastSetupNs = long.MinValue / 2;
    }

    /// <summary>Channel this publication sends on.</summary>
    public UdpChannel Channel { get; }
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Session id.</summary>
    public int SessionId { get; }
    /// <summary>Initial term id.</summary>
    public int InitialTermId { get; }
    /// <summary>Term length.</summary>
    public int TermLength { get; }
    /// <summary>MTU (largest frame and datagram).</summary>
    public int Mtu { get; }
    /// <summary>log2(term length).</summary>
    public int PositionBitsToShift { get; }
    /// <summary>Payload bytes per frame (MTU - 32).</summary>
    public int MaxPayloadLength { get; }
    /// <summary>Largest message <see cref="Offer"/> accepts.</summary>
    public int MaxMessageLength { get; }
    /// <summary>True while at least one receiver sends SMs.</summary>
    public bool IsConnected => _receiverCount > 0 && _state == PublicationState.Active;
    /// <summary>True once <see cref="Close"/> was called.</summary>
    public bool IsClosed => _state != PublicationState.Active;
    /// <summary>Position after the last offered message.</summary>
    public long Position => _producerPosition;
    /// <summary>Position up to which data has been sent.</summary>
    public long SenderPosition => _senderPosition;
    /// <summary>Flow-control limit from the receivers' SMs.</summary>
    public long SenderLimit => _senderLimit;
    /// <summary>Number of live receivers.</summary>
    public int ReceiverCount => _receiverCount;
    /// <summary>Local address datagrams are sent from.</summary>
    public IPEndPoint LocalEndPoint => _sender.LocalEndPoint;
    /// <summary>NAKs received.</summary>
    public long NaksReceived { get; private set; }
    /// <summary>Retransmitted datagrams.</summary>
    public long RetransmitsSent { get; private set; }
    /// <summary>ERR frames received (image rejected by a receiver).</summary>
    public long ErrorFramesReceived { get; private set; }
    /// <summary>Control datagrams dropped as malformed: shorter than their frame, or not protocol version 0.</summary>
    public long InvalidControlFrames { get; private set; }
    /// <summary>Loss hook on sent datagrams (tests).</summary>
    public DatagramDropPredicate? SendDropHook { get => _sender.SendDropHook; set => _sender.SendDropHook = value; }

    internal bool IsDone => _state == PublicationState.Done;

    /// <summary>
    /// Appends <paramref name="message"/> to the log. Returns the new position, or a negative
    /// <see cref="PublicationResult"/> code. Never blocks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The message is longer than <see cref="MaxMessageLength"/> (a programming error, as in Aeron).</exception>
    public long Offer(ReadOnlySpan<byte> message, long reservedValue = 0)
    {
        long position = _producerPosition;
        long check = CheckOffer(message.Length, position);
        if (check < 0) return check;

        int requiredLength = message.Length <= MaxPayloadLength
            ? ProtocolConstants.Align(message.Length + DataHeader.Length, ProtocolConstants.FrameAlignment)
            : LogBufferDescriptor.ComputeFragmentedFrameLength(message.Length, MaxPayloadLength);
        int termOffset = (int)(position & _termLengthMask);
        Span<byte> term = ActiveTerm(position);
        if (termOffset + requiredLength > TermLength)
        {
            return HandleEndOfTerm(term, termOffset, position);
        }

        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, PositionBitsToShift, InitialTermId);
        int offset = termOffset;
        int remaining = message.Length;
        int sourceOffset = 0;
        byte flags = FrameFlags.Begin;
        do
        {
            int chunk = Math.Min(remaining, MaxPayloadLength);
            if (chunk == remaining) flags |= FrameFlags.End;
            int frameLength = chunk + DataHeader.Length;
            int alignedLength = ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
            Span<byte> frame = term.Slice(offset, alignedLength);
            new DataHeader(frame).Write(frameLength, flags, FrameType.Data, offset, SessionId, StreamId, termId, reservedValue);
            message.Slice(sourceOffset, chunk).CopyTo(frame[DataHeader.Length..]);
            // Old term contents may sit in the alignment gap; real drivers send zeros there.
            frame[frameLength..].Clear();
            flags = 0;
            offset += alignedLength;
            sourceOffset += chunk;
            remaining -= chunk;
        }
        while (remaining > 0);

        _producerPosition = position + requiredLength;
        return _producerPosition;
    }

    /// <summary>
    /// Claims a frame of <paramref name="length"/> (≤ <see cref="MaxPayloadLength"/>) to fill in place, then
    /// <see cref="BufferClaim.Commit"/>. Returns the new position or a negative <see cref="PublicationResult"/>.
    /// </summary>
    public long TryClaim(int length, out BufferClaim claim)
    {
        claim = default;
        if (length > MaxPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"claim must be <= max payload {MaxPayloadLength}");
        }
        long position = _producerPosition;
        long check = CheckOffer(length, position);
        if (check < 0) return check;

        int frameLength = length + DataHeader.Length;
        int alignedLength = ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
        int termOffset = (int)(position & _termLengthMask);
        Span<byte> term = ActiveTerm(position);
        if (termOffset + alignedLength > TermLength)
        {
            return HandleEndOfTerm(term, termOffset, position);
        }

        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, PositionBitsToShift, InitialTermId);
        Span<byte> frame = term.Slice(termOffset, alignedLength);
        var header = new DataHeader(frame);
        header.Write(-frameLength, FrameFlags.Unfragmented, FrameType.Data, termOffset, SessionId, StreamId, termId);
        frame[frameLength..].Clear();
        claim = new BufferClaim(frame[..frameLength]);
        _producerPosition = position + alignedLength;
        return _producerPosition;
    }

    private long CheckOffer(int length, long position)
    {
        if (_state != PublicationState.Active) return PublicationResult.Closed;
        if (length > MaxMessageLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"message must be <= {MaxMessageLength}");
        }
        if (_receiverCount == 0) return PublicationResult.NotConnected;
        // The publisher may run half a term ahead of the sender (Aeron's term window), no further.
        if (position >= _senderPosition + _termWindowLength) return PublicationResult.BackPressured;
        if (position + length + DataHeader.Length > _maxPossiblePosition) return PublicationResult.MaxPositionExceeded;
        return 0;
    }

    private long HandleEndOfTerm(Span<byte> term, int termOffset, long position)
    {
        // The message does not fit: pad the rest of the term; the caller retries into the next term.
        int padLength = TermLength - termOffset;
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, PositionBitsToShift, InitialTermId);
        new DataHeader(term[termOffset..]).Write(padLength, FrameFlags.Unfragmented, FrameType.Pad, termOffset, SessionId, StreamId, termId);
        _producerPosition = position + padLength;
        return PublicationResult.AdminAction;
    }

    private Span<byte> ActiveTerm(long position) =>
        _log.AsSpan(LogBufferDescriptor.IndexByPosition(position, PositionBitsToShift) * TermLength, TermLength);

    /// <summary>
    /// Starts end of stream: everything offered so far is still sent, then EOS heartbeats until the receiver
    /// acknowledges or the linger expires; the driver then releases the sockets.
    /// </summary>
    public void Close()
    {
        if (_state != PublicationState.Active) return;
        _endOfStreamPosition = _producerPosition;
        _state = PublicationState.Draining;
        _drainedAtNs = 0;
    }

    /// <summary>One duty-cycle slice: control frames in, SETUP/data/heartbeat out.</summary>
    internal int DoWork(long nowNs)
    {
        if (_state == PublicationState.Done) return 0;
        int work = PollControl(_sender, nowNs);
        if (_controlReceiver is not null) work += PollControl(_controlReceiver, nowNs);

        CheckReceiverLiveness(nowNs);
        if (_shouldSendSetup && nowNs - _timeOfLastSetupNs >= _options.SetupIntervalNs)
        {
            SendSetup(nowNs);
            work++;
        }

        work += SendData(nowNs);

        if (_hasInitialConnection && nowNs - _timeOfLastSendNs >= _options.HeartbeatIntervalNs)
        {
            SendHeartbeat(nowNs);
            work++;
        }

        if (_state == PublicationState.Draining) CheckLinger(nowNs);
        return work;
    }

    private void CheckLinger(long nowNs)
    {
        if (_senderPosition < _endOfStreamPosition && _receiverCount > 0) return;
        if (_drainedAtNs == 0) _drainedAtNs = nowNs;
        bool neverConnected = !_hasInitialConnection;
        if (neverConnected || _endOfStreamAcknowledged || _receiverCount == 0 || nowNs - _drainedAtNs >= Channel.LingerNs)
        {
            _state = PublicationState.Done;
        }
    }

    private void CheckReceiverLiveness(long nowNs)
    {
        for (int i = _receiverCount - 1; i >= 0; i--)
        {
            if (nowNs - _receiverLastSmNs[i] > _options.PublicationConnectionTimeoutNs) RemoveReceiverAt(i);
        }
    }

    private void RemoveReceiverAt(int index)
    {
        int last = --_receiverCount;
        _receiverIds[index] = _receiverIds[last];
        _receiverLastSmNs[index] = _receiverLastSmNs[last];
        if (_receiverCount == 0 && _state == PublicationState.Active)
        {
            // Nobody listens: announce ourselves again so a returning receiver can rejoin.
            _shouldSendSetup = true;
        }
    }

    private int SendData(long nowNs)
    {
        int datagrams = 0;
        long producerLimit = Math.Min(_producerPosition, _senderLimit);
        while (datagrams < _options.SendBatchLimit)
        {
            long available = producerLimit - _senderPosition;
            if (available <= 0) break;
            int termOffset = (int)(_senderPosition & _termLengthMask);
            Span<byte> term = ActiveTerm(_senderPosition);
            int consumed = TermScanner.ScanForAvailability(term, termOffset, (int)Math.Min(Mtu, available), out int bytesToSend);
            if (consumed == 0) break;
            if (!_sender.Send(term.Slice(termOffset, bytesToSend), _destination)) break;
            _senderPosition += consumed;
            _timeOfLastSendNs = nowNs;
            datagrams++;
        }
        return datagrams;
    }

    private void SendSetup(long nowNs)
    {
        Span<byte> frame = _frameBuffer.AsSpan(0, SetupFlyweight.Length);
        int activeTermId = LogBufferDescriptor.ComputeTermIdFromPosition(_senderPosition, PositionBitsToShift, InitialTermId);
        int termOffset = (int)(_senderPosition & _termLengthMask);
        byte flags = Channel.IsMulticast ? FrameFlags.SetupGroup : (byte)0;
        new SetupFlyweight(frame).Write(flags, termOffset, SessionId, StreamId, InitialTermId, activeTermId, TermLength, Mtu, Channel.Ttl);
        _sender.Send(frame, _destination);
        _timeOfLastSetupNs = nowNs;
    }

    private void SendHeartbeat(long nowNs)
    {
        Span<byte> frame = _frameBuffer.AsSpan(0, DataHeader.Length);
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(_senderPosition, PositionBitsToShift, InitialTermId);
        int termOffset = (int)(_senderPosition & _termLengthMask);
        byte flags = _state != PublicationState.Active && _senderPosition >= _endOfStreamPosition
            ? (byte)(FrameFlags.Unfragmented | FrameFlags.EndOfStream)
            : FrameFlags.Unfragmented;
        new DataHeader(frame).Write(0, flags, FrameType.Data, termOffset, SessionId, StreamId, termId);
        _sender.Send(frame, _destination);
        _timeOfLastSendNs = nowNs;
    }

    private int PollControl(UdpTransport transport, long nowNs)
    {
        int count = 0;
        while (count < _options.ReceiveBatchLimit)
        {
            int length = transport.Receive(_controlBuffer, out SocketAddressV4 source);
            if (length <= 0) break;
            count++;
            OnControlFrame(_controlBuffer.AsSpan(0, length), source, nowNs);
        }
        return count;
    }

    internal void OnControlFrame(Span<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        if (datagram.Length < FrameHeader.Length || FrameHeader.ReadVersion(datagram) != ProtocolConstants.Version)
        {
            InvalidControlFrames++;
            return;
        }
        switch (FrameHeader.ReadType(datagram))
        {
            case FrameType.StatusMessage:
                if (datagram.Length >= StatusMessageFlyweight.Length && datagram.Length >= FrameHeader.ReadFrameLength(datagram))
                {
                    OnStatusMessage(new StatusMessageFlyweight(datagram), nowNs);
                }
                else InvalidControlFrames++;
                break;
            case FrameType.Nak:
                if (datagram.Length >= NakFlyweight.Length) OnNak(new NakFlyweight(datagram), nowNs);
                else InvalidControlFrames++;
                break;
            case FrameType.RttMeasurement:
                if (datagram.Length >= RttMeasurementFlyweight.Length) OnRttMeasurement(new RttMeasurementFlyweight(datagram), source);
                else InvalidControlFrames++;
                break;
            case FrameType.Error:
                if (datagram.Length >= ErrorFlyweight.HeaderLength) OnError(new ErrorFlyweight(datagram));
                else InvalidControlFrames++;
                break;
        }
    }

    private void OnStatusMessage(StatusMessageFlyweight sm, long nowNs)
    {
        if (sm.SessionId != SessionId || sm.StreamId != StreamId) return;
        byte flags = sm.Header.Flags;
        if ((flags & FrameFlags.SendSetup) != 0)
        {
            // A receiver saw data for a session it does not know: answer with a SETUP at once.
            if (_state == PublicationState.Active)
            {
                _shouldSendSetup = true;
                _timeOfLastSetupNs = long.MinValue / 2;
            }
            return;
        }

        long receiverId = sm.ReceiverId;
        int index = FindReceiver(receiverId);
        if ((flags & FrameFlags.StatusEndOfStream) != 0)
        {
            if (index >= 0) RemoveReceiverAt(index);
            if (!Channel.IsMulticast) _endOfStreamAcknowledged = true;
            return;
        }

        if (index < 0 && _receiverCount < MaxReceivers)
        {
            index = _receiverCount++;
            _receiverIds[index] = receiverId;
        }
        if (index >= 0) _receiverLastSmNs[index] = nowNs;

        long smPosition = LogBufferDescriptor.ComputePosition(sm.ConsumptionTermId, sm.ConsumptionTermOffset, PositionBitsToShift, InitialTermId);
        _senderLimit = Math.Max(_senderLimit, smPosition + sm.ReceiverWindow);
        if (!_hasInitialConnection)
        {
            _hasInitialConnection = true;
        }
        _shouldSendSetup = false;
    }

    private int FindReceiver(long receiverId)
    {
        for (int i = 0; i < _receiverCount; i++)
        {
            if (_receiverIds[i] == receiverId) return i;
        }
        return -1;
    }

    private void OnNak(NakFlyweight nak, long nowNs)
    {
        if (nak.SessionId != SessionId || nak.StreamId != StreamId) return;
        NaksReceived++;
        int termOffset = nak.TermOffset;
        if (termOffset < 0 || termOffset > TermLength - DataHeader.Length) return;
        long nakPosition = LogBufferDescriptor.ComputePosition(nak.TermId, termOffset, PositionBitsToShift, InitialTermId);
        // Only data still guaranteed to be in the log and already sent may be resent.
        long oldestResendable = _senderPosition - _termWindowLength - MaxMessageLength;
        if (nakPosition < oldestResendable || nakPosition >= _senderPosition) return;

        long length = Math.Min(Math.Min(nak.GapLength, TermLength - termOffset), _senderPosition - nakPosition);
        if (length <= 0) return;

        int freeSlot = -1;
        for (int i = 0; i < _retransmitStart.Length; i++)
        {
            bool active = _retransmitExpiryNs[i] > nowNs;
            if (!active)
            {
                if (freeSlot < 0) freeSlot = i;
                continue;
            }
            if (nakPosition < _retransmitEnd[i] && nakPosition + length > _retransmitStart[i]) return; // lingering
        }
        if (freeSlot < 0) return;

        Resend(nakPosition, (int)length, nowNs);
        _retransmitStart[freeSlot] = nakPosition;
        _retransmitEnd[freeSlot] = nakPosition + length;
        _retransmitExpiryNs[freeSlot] = nowNs + _options.RetransmitLingerNs;
    }

    private void Resend(long position, int length, long nowNs)
    {
        Span<byte> term = ActiveTerm(position);
        int offset = (int)(position & _termLengthMask);
        int remaining = length;
        while (remaining > 0)
        {
            int consumed = TermScanner.ScanForAvailability(term, offset, Math.Min(remaining, Mtu), out int bytesToSend);
            if (consumed == 0) break;
            if (!_sender.Send(term.Slice(offset, bytesToSend), _destination)) break;
            RetransmitsSent++;
            _timeOfLastSendNs = nowNs;
            offset += consumed;
            remaining -= consumed;
        }
    }

    private void OnRttMeasurement(RttMeasurementFlyweight rttm, in SocketAddressV4 source)
    {
        if (rttm.SessionId != SessionId || rttm.StreamId != StreamId) return;
        if ((rttm.Header.Flags & FrameFlags.RttmReply) == 0) return;
        Span<byte> reply = _frameBuffer.AsSpan(0, RttMeasurementFlyweight.Length);
        new RttMeasurementFlyweight(reply).Write(0, SessionId, StreamId, rttm.EchoTimestamp, 0, rttm.ReceiverId);
        _sender.Send(reply, Channel.IsMulticast ? _destination : source);
    }

    private void OnError(ErrorFlyweight error)
    {
        if (error.SessionId != SessionId || error.StreamId != StreamId) return;
        ErrorFramesReceived++;
        int index = FindReceiver(error.ReceiverId);
        if (index >= 0) RemoveReceiverAt(index);
    }

    /// <summary>Releases the sockets immediately (no EOS). Prefer <see cref="Close"/>.</summary>
    public void Dispose()
    {
        _state = PublicationState.Done;
        _sender.Dispose();
        _controlReceiver?.Dispose();
    }

    private enum PublicationState
    {
        Active,
        Draining,
        Done,
    }
}
