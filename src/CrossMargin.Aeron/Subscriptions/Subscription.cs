using System.Net;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;
using CrossMargin.Aeron.Uri;

namespace CrossMargin.Aeron.Subscriptions;

/// <summary>
/// A subscription to one stream on one UDP channel, with its own receive socket (unicast bind, or multicast
/// group join on a chosen interface) and any number of images (one per publisher session).
/// Single-threaded: <see cref="Poll{THandler}"/> and the driver's duty cycle run on the same thread.
/// </summary>
public sealed class Subscription : IDisposable
{
    private const int ReceiveBufferLength = 64 * 1024;
    private const int ElicitSlots = 8;

    private readonly DriverOptions _options;
    private readonly UdpTransport _transport;
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferLength];
    private readonly byte[] _sendBuffer = new byte[StatusMessageFlyweight.LengthWithGroupTag];
    private readonly SocketAddressV4 _controlGroup;
    private readonly int[] _elicitSessions = new int[ElicitSlots];
    private readonly long[] _elicitTimesNs = new long[ElicitSlots];
    private int _elicitNext;
    private Image[] _images = new Image[4];
    private int _imageCount;
    private int _roundRobinIndex;
    private bool _disposed;

    internal Subscription(UdpChannel channel, int streamId, DriverOptions options)
    {
        Channel = channel;
        StreamId = streamId;
        _options = options;
        ReceiverId = Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        int rcvBuf = channel.SocketRcvBuf > 0 ? channel.SocketRcvBuf : options.SocketReceiveBufferSize;
        int sndBuf = channel.SocketSndBuf > 0 ? channel.SocketSndBuf : options.SocketSendBufferSize;
        if (channel.IsMulticast)
        {
            _transport = UdpTransport.BindMulticast(channel.Endpoint, channel.Interface, channel.Ttl, rcvBuf, sndBuf);
            _controlGroup = SocketAddressV4.From(channel.ControlGroup!);
        }
        else
        {
            _transport = UdpTransport.Bind(channel.Endpoint, rcvBuf, sndBuf);
        }
        for (int i = 0; i < ElicitSlots; i++) _elicitTimesNs[i] = long.MinValue / 2;
    }

    /// <summary>The channel.</summary>
    public UdpChannel Channel { get; }
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Random 64-bit id of this receiving endpoint, sent in SMs.</summary>
    public long ReceiverId { get; }
    /// <summary>Local address of the receive socket (useful with port 0).</summary>
    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;
    /// <summary>Number of connected images.</summary>
    public int ImageCount => _imageCount;
    /// <summary>True if any image is connected.</summary>
    public bool IsConnected => _imageCount > 0;
    /// <summary>Called when an image appears (setup time; may allocate).</summary>
    public Action<ImageInfo>? OnAvailableImage { get; set; }
    /// <summary>Called when an image goes away (EOS drained or liveness timeout).</summary>
    public Action<ImageInfo>? OnUnavailableImage { get; set; }
    /// <summary>Loss-injection hook on received datagrams (tests).</summary>
    public DatagramDropPredicate? ReceiveDropHook { get => _transport.ReceiveDropHook; set => _transport.ReceiveDropHook = value; }
    /// <summary>Datagrams read from the socket (after the loss hook).</summary>
    public long DatagramsReceived { get; private set; }
    /// <summary>Datagrams ignored as malformed or for other streams.</summary>
    public long InvalidDatagrams { get; private set; }

    /// <summary>Image at <paramref name="index"/> (0 ≤ index &lt; <see cref="ImageCount"/>).</summary>
    public Image ImageAt(int index) => (uint)index < (uint)_imageCount ? _images[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Image for <paramref name="sessionId"/>, or null.</summary>
    public Image? FindImage(int sessionId)
    {
        for (int i = 0; i < _imageCount; i++)
        {
            if (_images[i].SessionId == sessionId) return _images[i];
        }
        return null;
    }

    /// <summary>Polls images round-robin, delivering whole messages to <paramref name="handler"/>.</summary>
    public int Poll(FragmentHandler handler, int fragmentLimit)
    {
        var adapter = new DelegateFragmentHandler(handler);
        return Poll(ref adapter, fragmentLimit);
    }

    /// <summary>Polls images round-robin with a (struct) handler; returns the number of fragments read.</summary>
    public int Poll<THandler>(ref THandler handler, int fragmentLimit) where THandler : IFragmentHandler
    {
        int count = _imageCount;
        if (count == 0) return 0;
        int fragments = 0;
        int start = _roundRobinIndex++ % count;
        if (_roundRobinIndex >= count) _roundRobinIndex = 0;
        for (int i = 0; i < count && fragments < fragmentLimit; i++)
        {
            fragments += _images[(start + i) % count].Poll(ref handler, fragmentLimit - fragments);
        }
        return fragments;
    }

    /// <summary>One duty-cycle slice: read datagrams, run image timers, drop finished images.</summary>
    internal int DoWork(long nowNs)
    {
        int work = 0;
        while (work < _options.ReceiveBatchLimit)
        {
            int length = _transport.Receive(_receiveBuffer, out SocketAddressV4 source);
            if (length <= 0) break;
            work++;
            DatagramsReceived++;
            OnDatagram(_receiveBuffer.AsSpan(0, length), source, nowNs);
        }

        for (int i = _imageCount - 1; i >= 0; i--)
        {
            Image image = _images[i];
            work += image.DoWork(nowNs);
            if (image.IsClosed) RemoveImageAt(i);
        }
        return work;
    }

    /// <summary>Dispatches one received datagram (also used by tests to replay captures).</summary>
    internal void OnDatagram(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        if (datagram.Length < FrameHeader.Length || FrameHeader.ReadVersion(datagram) != ProtocolConstants.Version)
        {
            InvalidDatagrams++;
            return;
        }

        switch (FrameHeader.ReadType(datagram))
        {
            case FrameType.Data:
            case FrameType.Pad:
                if (datagram.Length < DataHeader.Length) { InvalidDatagrams++; return; }
                OnDataPacket(datagram, source, nowNs);
                break;
            case FrameType.Setup:
                if (datagram.Length < SetupFlyweight.Length) { InvalidDatagrams++; return; }
                OnSetup(datagram, source, nowNs);
                break;
            case FrameType.RttMeasurement:
                if (datagram.Length < RttMeasurementFlyweight.Length) { InvalidDatagrams++; return; }
                OnRttMeasurement(datagram, source);
                break;
            default:
                break; // receivers ignore every other type (rcvep.c)
        }
    }

    private void OnDataPacket(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        if (Le.I32(datagram, DataHeader.StreamIdOffset) != StreamId) return;
        int sessionId = Le.I32(datagram, DataHeader.SessionIdOffset);
        Image? image = FindImage(sessionId);
        if (image is not null)
        {
            image.InsertPacket(datagram, nowNs);
            return;
        }

        if ((FrameHeader.ReadFlags(datagram) & FrameFlags.EndOfStream) != 0) return;
        ElicitSetup(sessionId, source, nowNs);
    }

    private void ElicitSetup(int sessionId, in SocketAddressV4 source, long nowNs)
    {
        for (int i = 0; i < ElicitSlots; i++)
        {
            if (_elicitSessions[i] == sessionId && nowNs - _elicitTimesNs[i] < _options.SetupIntervalNs) return;
        }
        int slot = _elicitNext++ % ElicitSlots;
        _elicitSessions[slot] = sessionId;
        _elicitTimesNs[slot] = nowNs;
        SendStatusMessage(ControlAddressFor(source), FrameFlags.SendSetup, sessionId, StreamId, 0, 0, 0);
    }

    private SocketAddressV4 ControlAddressFor(in SocketAddressV4 source) => Channel.IsMulticast ? _controlGroup : source;

    private void OnSetup(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        int streamId = Le.I32(datagram, SetupFlyweight.StreamIdOffset);
        if (streamId != StreamId) return;
        int sessionId = Le.I32(datagram, SetupFlyweight.SessionIdOffset);
        if (FindImage(sessionId) is not null) return;

        int termLength = Le.I32(datagram, SetupFlyweight.TermLengthOffset);
        int mtu = Le.I32(datagram, SetupFlyweight.MtuOffset);
        int termOffset = Le.I32(datagram, SetupFlyweight.TermOffsetOffset);
        if (!LogBufferDescriptor.IsValidTermLength(termLength) || mtu <= DataHeader.Length || mtu > ProtocolConstants.MaxMtu
            || termOffset < 0 || termOffset >= termLength || (termOffset & (ProtocolConstants.FrameAlignment - 1)) != 0)
        {
            InvalidDatagrams++;
            return;
        }

        var setup = new Image.SetupInfo(
            sessionId, streamId, Le.I32(datagram, SetupFlyweight.InitialTermIdOffset), Le.I32(datagram, SetupFlyweight.ActiveTermIdOffset),
            termOffset, termLength, mtu);
        bool isGroup = Channel.IsMulticast || (FrameHeader.ReadFlags(datagram) & FrameFlags.SetupGroup) != 0;
        long window = Channel.ReceiverWindow > 0 ? Channel.ReceiverWindow : _options.InitialReceiverWindow;
        var image = new Image(this, setup, ControlAddressFor(source), isGroup, nowNs, _options, window, Channel.NakDelayNs);
        if (_imageCount == _images.Length) Array.Resize(ref _images, _images.Length * 2);
        _images[_imageCount++] = image;
        // The first SM goes out at once, advertising the join position.
        image.DoWork(nowNs);
        OnAvailableImage?.Invoke(Describe(image, source));
    }

    private void OnRttMeasurement(ReadOnlySpan<byte> datagram, in SocketAddressV4 source)
    {
        if ((FrameHeader.ReadFlags(datagram) & FrameFlags.RttmReply) == 0) return;
        long receiverId = Le.I64(datagram, RttMeasurementFlyweight.ReceiverIdOffset);
        if (receiverId != ReceiverId && receiverId != 0) return;
        Span<byte> reply = _sendBuffer.AsSpan(0, RttMeasurementFlyweight.Length);
        new RttMeasurementFlyweight(reply).Write(0, Le.I32(datagram, RttMeasurementFlyweight.SessionIdOffset), Le.I32(datagram, RttMeasurementFlyweight.StreamIdOffset),
            Le.I64(datagram, RttMeasurementFlyweight.EchoTimestampOffset), 0, receiverId);
        _transport.Send(reply, source);
    }

    internal void SendStatusMessage(in SocketAddressV4 destination, byte flags, int sessionId, int streamId, int termId, int termOffset, int window)
    {
        Span<byte> frame = _sendBuffer.AsSpan(0, StatusMessageFlyweight.Length);
        new StatusMessageFlyweight(frame).Write(flags, sessionId, streamId, termId, termOffset, window, ReceiverId);
        _transport.Send(frame, destination);
    }

    internal void SendNak(in SocketAddressV4 destination, int sessionId, int streamId, int termId, int termOffset, int length)
    {
        Span<byte> frame = _sendBuffer.AsSpan(0, NakFlyweight.Length);
        new NakFlyweight(frame).Write(sessionId, streamId, termId, termOffset, length);
        _transport.Send(frame, destination);
    }

    private void RemoveImageAt(int index)
    {
        Image image = _images[index];
        _images[index] = _images[--_imageCount];
        _images[_imageCount] = null!;
        OnUnavailableImage?.Invoke(Describe(image, image.ControlAddress));
    }

    private static ImageInfo Describe(Image image, in SocketAddressV4 source) =>
        new(image.SessionId, image.StreamId, image.InitialTermId, image.TermLength, image.Mtu, image.JoinPosition, source.ToString());

    /// <summary>Closes the socket; images are dropped.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _transport.Dispose();
    }
}
