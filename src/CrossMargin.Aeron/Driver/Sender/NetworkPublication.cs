using System.Net;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;
using CrossMargin.Aeron.Uri;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Driver.Sender;

/// <summary>
/// The driver's sender side of a publication: sends what the client (<see cref="Client.ExclusivePublication"/>)
/// appended to the shared log as the receivers' SM windows allow, with SETUP, heartbeats, NAK-driven
/// retransmission (<see cref="RetransmitHandler"/>), RTTM echoes and EOS as the C media driver does, and
/// publishes the limit the client may append up to. Single-threaded: driven by
/// <see cref="EmbeddedDriver.DoSenderWork()"/> on the thread that also appends.
/// </summary>
public sealed class NetworkPublication : IDisposable
{
    private const int MaxReceivers = 64;
    private const int ControlBufferLength = 64 * 1024;

    private readonly DriverOptions _options;
    private readonly byte[] _log;
    private readonly int _termLengthMask;
    private readonly int _termWindowLength;
    private readonly UdpTransport _sender;
    private readonly UdpTransport? _controlReceiver;
    private readonly SocketAddressV4 _destination;
    private readonly byte[] _controlBuffer = new byte[ControlBufferLength];
    private readonly byte[] _frameBuffer = new byte[ErrorFlyweight.HeaderLength];

    private readonly FlowControl _flowControl;

    private readonly RetransmitHandler _retransmits;
    private readonly int _maxRetransmitLength;

    private long _senderPosition;
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
        _log = TermBuffers.Allocate(TermLength, options.PreTouchTermBuffers);
        _flowControl = new FlowControl(MaxReceivers, options.PublicationConnectionTimeoutNs);
        _retransmits = new RetransmitHandler(channel.IsMulticast, options.MaxResend, options.RetransmitDelayNs, options.RetransmitLingerNs);
        // As the C driver's flow control: resend at most a multiple of the receiver window per NAK.
        long receiverWindow = Math.Min(options.InitialReceiverWindow, TermLength / 2);
        _maxRetransmitLength = (int)Math.Min(int.MaxValue, receiverWindow * options.RetransmitReceiverWindowMultiple);

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
    /// <summary>Largest message a client may append.</summary>
    public int MaxMessageLength { get; }
    /// <summary>True while at least one receiver sends SMs.</summary>
    public bool IsConnected => _flowControl.ReceiverCount > 0 && _state == PublicationState.Active;
    /// <summary>True once <see cref="Close"/> was called.</summary>
    public bool IsClosed => _state != PublicationState.Active;
    /// <summary>Position after the last message the client appended (the client sets it after each append).</summary>
    internal long ProducerPosition;
    /// <summary>The three term buffers, shared with the client publication.</summary>
    internal byte[] Log => _log;
    /// <summary>
    /// Limit the client may append up to: half a term ahead of the sender (Aeron's term window), so
    /// the term being rotated into is never one the sender still reads or may resend from.
    /// </summary>
    internal long PublisherLimit => _senderPosition + _termWindowLength;
    /// <summary>True once it has started end of stream (<see cref="Close"/>).</summary>
    internal bool IsActive => _state == PublicationState.Active;
    /// <summary>Position up to which data has been sent.</summary>
    public long SenderPosition => _senderPosition;
    /// <summary>Flow-control limit from the receivers' SMs.</summary>
    public long SenderLimit => _flowControl.SenderLimit;
    /// <summary>Furthest position a receiver reported consumed in its status messages.</summary>
    public long ReceiverPosition => _flowControl.ReceiverPosition;
    /// <summary>Number of live receivers.</summary>
    public int ReceiverCount => _flowControl.ReceiverCount;
    /// <summary>Local address datagrams are sent from.</summary>
    public IPEndPoint LocalEndPoint => _sender.LocalEndPoint;
    /// <summary>NAKs received.</summary>
    public long NaksReceived => _naksReceived.Value;
    private OrderedCounter _naksReceived;
    /// <summary>Retransmitted datagrams.</summary>
    public long RetransmitsSent => _retransmitsSent.Value;
    private OrderedCounter _retransmitsSent;
    /// <summary>NAKs ignored because a resend covering their offset was lingering.</summary>
    public long NaksCovered => _retransmits.NaksCovered;
    /// <summary>NAKs dropped because every retransmit action was busy (group publications only).</summary>
    public long RetransmitOverflows => _retransmits.Overflows;
    /// <summary>ERR frames received (image rejected by a receiver).</summary>
    public long ErrorFramesReceived => _errorFramesReceived.Value;
    private OrderedCounter _errorFramesReceived;
    /// <summary>Receivers whose control frames (SM, NAK, RTTM, ERR) this publication acts on (null: any); set before the driver runs.</summary>
    public Receiver.SourceAllowlist? AllowedReceivers { get; set; }
    /// <summary>Control datagrams dropped because their source is not in <see cref="AllowedReceivers"/>.</summary>
    public long ForeignControlFrames => _foreignControlFrames.Value;
    private OrderedCounter _foreignControlFrames;
    /// <summary>Control datagrams dropped as malformed: shorter than their frame, or not protocol version 0.</summary>
    public long InvalidControlFrames => _invalidControlFrames.Value;
    private OrderedCounter _invalidControlFrames;
    /// <summary>Loss hook on sent datagrams (tests).</summary>
    public DatagramDropPredicate? SendDropHook { get => _sender.SendDropHook; set => _sender.SendDropHook = value; }

    internal bool IsDone => _state == PublicationState.Done;

    private Span<byte> ActiveTerm(long position) =>
        _log.AsSpan(LogBufferDescriptor.IndexByPosition(position, PositionBitsToShift) * TermLength, TermLength);

    /// <summary>
    /// Starts end of stream: everything appended so far is still sent, then EOS heartbeats until the receiver
    /// acknowledges or the linger expires; the driver then releases the sockets.
    /// </summary>
    public void Close()
    {
        if (_state != PublicationState.Active) return;
        _endOfStreamPosition = ProducerPosition;
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
        var resender = new Resender(this, nowNs);
        work += _retransmits.ProcessTimeouts(nowNs, ref resender);

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
        if (_senderPosition < _endOfStreamPosition && _flowControl.ReceiverCount > 0) return;
        if (_drainedAtNs == 0) _drainedAtNs = nowNs;
        bool neverConnected = !_hasInitialConnection;
        if (neverConnected || _endOfStreamAcknowledged || _flowControl.ReceiverCount == 0 || nowNs - _drainedAtNs >= Channel.LingerNs)
        {
            _state = PublicationState.Done;
        }
    }

    private void CheckReceiverLiveness(long nowNs)
    {
        if (_flowControl.CheckTimeouts(nowNs) > 0) OnReceiverGone();
    }

    private void OnReceiverGone()
    {
        if (_flowControl.ReceiverCount == 0 && _state == PublicationState.Active)
        {
            // Nobody listens: announce ourselves again so a returning receiver can rejoin.
            _shouldSendSetup = true;
        }
    }

    private int SendData(long nowNs)
    {
        int datagrams = 0;
        long producerLimit = Math.Min(ProducerPosition, _flowControl.SenderLimit);
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
        if (AllowedReceivers is { } allowed && !allowed.Allows(source))
        {
            // A stranger's SM would move flow control, its NAK trigger resends, its RTTM get answers: drop all.
            _foreignControlFrames.Increment();
            return;
        }
        if (datagram.Length < FrameHeader.Length || FrameHeader.ReadVersion(datagram) != ProtocolConstants.Version)
        {
            _invalidControlFrames.Increment();
            return;
        }
        switch (FrameHeader.ReadType(datagram))
        {
            case FrameType.StatusMessage:
                if (datagram.Length >= StatusMessageFlyweight.Length && datagram.Length >= FrameHeader.ReadFrameLength(datagram))
                {
                    OnStatusMessage(new StatusMessageFlyweight(datagram), nowNs);
                }
                else _invalidControlFrames.Increment();
                break;
            case FrameType.Nak:
                if (datagram.Length >= NakFlyweight.Length) OnNak(new NakFlyweight(datagram), nowNs);
                else _invalidControlFrames.Increment();
                break;
            case FrameType.RttMeasurement:
                if (datagram.Length >= RttMeasurementFlyweight.Length) OnRttMeasurement(new RttMeasurementFlyweight(datagram), source);
                else _invalidControlFrames.Increment();
                break;
            case FrameType.Error:
                if (datagram.Length >= ErrorFlyweight.HeaderLength) OnError(new ErrorFlyweight(datagram));
                else _invalidControlFrames.Increment();
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

        if ((flags & FrameFlags.StatusEndOfStream) != 0)
        {
            if (_flowControl.Remove(sm.ReceiverId)) OnReceiverGone();
            if (!Channel.IsMulticast) _endOfStreamAcknowledged = true;
            return;
        }

        long smPosition = LogBufferDescriptor.ComputePosition(sm.ConsumptionTermId, sm.ConsumptionTermOffset, PositionBitsToShift, InitialTermId);
        _flowControl.OnStatusMessage(sm.ReceiverId, smPosition, sm.ReceiverWindow, nowNs);
        if (!_hasInitialConnection)
        {
            _hasInitialConnection = true;
        }
        _shouldSendSetup = false;
    }

    private void OnNak(NakFlyweight nak, long nowNs)
    {
        if (nak.SessionId != SessionId || nak.StreamId != StreamId) return;
        _naksReceived.Increment();
        int termOffset = nak.TermOffset, length = nak.GapLength;
        if (termOffset < 0 || termOffset > TermLength - DataHeader.Length || length < 0) return;
        int resendLength = Math.Min(length, Math.Min(TermLength - termOffset, _maxRetransmitLength));
        var resender = new Resender(this, nowNs);
        _retransmits.OnNak(nak.TermId, termOffset, resendLength, nowNs, ref resender);
    }

    /// <summary>The retransmit handler's way back into this publication's log.</summary>
    private readonly struct Resender(NetworkPublication publication, long nowNs) : IRetransmitSender
    {
        public void Resend(int termId, int termOffset, int length) => publication.Resend(termId, termOffset, length, nowNs);
    }

    private void Resend(int termId, int termOffset, int length, long nowNs)
    {
        // Only data already sent and still guaranteed to be in the log may be resent (checked when
        // the resend happens, as the C driver does, since a delayed action may have aged).
        long position = LogBufferDescriptor.ComputePosition(termId, termOffset, PositionBitsToShift, InitialTermId);
        long oldestResendable = _senderPosition - _termWindowLength - MaxMessageLength;
        if (position < oldestResendable || position >= _senderPosition) return;
        int remaining = (int)Math.Min(length, _senderPosition - position);
        Span<byte> term = ActiveTerm(position);
        int offset = termOffset;
        while (remaining > 0)
        {
            int consumed = TermScanner.ScanForAvailability(term, offset, Math.Min(remaining, Mtu), out int bytesToSend);
            if (consumed == 0) break;
            if (!_sender.Send(term.Slice(offset, bytesToSend), _destination)) break;
            _retransmitsSent.Increment();
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
        _errorFramesReceived.Increment();
        if (_flowControl.Remove(error.ReceiverId)) OnReceiverGone();
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
