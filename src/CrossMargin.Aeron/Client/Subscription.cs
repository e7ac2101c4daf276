using System.Net;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;
using CrossMargin.Aeron.Uri;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Client;

/// <summary>
/// A subscription to one stream on one UDP channel: its receive socket (unicast bind, or multicast group join
/// on a chosen interface) is shared with the other subscriptions on the same endpoint, and it has any number
/// of images (one per publisher session). Remove it with <see cref="EmbeddedDriver.RemoveSubscription"/>.
/// Single-threaded: <see cref="Poll{THandler}"/> and the driver's duty cycle run on the same thread.
/// </summary>
public sealed class Subscription : IDisposable
{
    private const int ElicitSlots = 8;

    private readonly DriverOptions _options;
    private readonly ReceiveChannelEndpoint _endpoint;
    private readonly SocketAddressV4 _controlGroup;
    private readonly int[] _elicitSessions = new int[ElicitSlots];
    private readonly long[] _elicitTimesNs = new long[ElicitSlots];
    private int _elicitNext;
    private Image[] _images = new Image[4];
    private int _imageCount;
    private int _roundRobinIndex;
    private bool _disposed;

    private readonly TermMemoryBudget _termMemory;

    internal Subscription(UdpChannel channel, int streamId, DriverOptions options, ReceiveChannelEndpoint endpoint, TermMemoryBudget termMemory)
    {
        _termMemory = termMemory;
        Channel = channel;
        StreamId = streamId;
        _options = options;
        _endpoint = endpoint;
        if (channel.IsMulticast)
        {
            _controlGroup = SocketAddressV4.From(channel.ControlGroup!);
        }
        for (int i = 0; i < ElicitSlots; i++) _elicitTimesNs[i] = long.MinValue / 2;
    }

    internal ReceiveChannelEndpoint Endpoint => _endpoint;

    /// <summary>The channel.</summary>
    public UdpChannel Channel { get; }
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Random 64-bit id of the receiving channel endpoint (shared by subscriptions on it), sent in SMs.</summary>
    public long ReceiverId => _endpoint.ReceiverId;
    /// <summary>Local address of the receive socket (useful with port 0).</summary>
    public IPEndPoint LocalEndPoint => _endpoint.LocalEndPoint;
    /// <summary>Number of connected images.</summary>
    public int ImageCount => _imageCount;
    /// <summary>True if any image is connected.</summary>
    public bool IsConnected => _imageCount > 0;
    /// <summary>Called when an image appears (setup time; may allocate).</summary>
    public Action<ImageInfo>? OnAvailableImage { get; set; }
    /// <summary>Called when an image goes away (EOS drained or liveness timeout).</summary>
    public Action<ImageInfo>? OnUnavailableImage { get; set; }
    /// <summary>Loss-injection hook on received datagrams of this subscription's socket (tests).</summary>
    public DatagramDropPredicate? ReceiveDropHook { get => _endpoint.Transport.ReceiveDropHook; set => _endpoint.Transport.ReceiveDropHook = value; }
    /// <summary>Datagrams read from the (possibly shared) socket, after the loss hook.</summary>
    public long DatagramsReceived => _endpoint.DatagramsReceived;
    /// <summary>Datagrams ignored as malformed, on the socket or for this subscription.</summary>
    public long InvalidDatagrams => _endpoint.InvalidDatagrams + _invalidDatagrams;
    private OrderedCounter _invalidDatagrams;
    /// <summary>
    /// Sources this subscription accepts (null: any). Set it before the driver's duty cycle runs; images from
    /// other sources are refused at SETUP and get no control replies.
    /// </summary>
    public SourceAllowlist? AllowedSources { get; set; }
    /// <summary>DATA/PAD datagrams dropped because their source is not in <see cref="AllowedSources"/>.</summary>
    public long ForeignDatagrams => _foreignDatagrams.Value;
    private OrderedCounter _foreignDatagrams;
    /// <summary>RTT measurement requests not answered (no image of that session from that source).</summary>
    public long RttmIgnored => _rttmIgnored.Value;
    private OrderedCounter _rttmIgnored;

    /// <summary>SETUPs refused (malformed or outside <see cref="DriverOptions.ReceiverLimits"/>), by reason; none allocated anything.</summary>
    public SetupRefusals SetupsRefused { get; } = new();

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

    /// <summary>One duty-cycle slice: image timers (NAK, SM, EOS, liveness); drops finished images.</summary>
    internal int DoWork(long nowNs)
    {
        int work = 0;
        for (int i = _imageCount - 1; i >= 0; i--)
        {
            PublicationImage image = _images[i].Receiver;
            work += image.DoWork(nowNs);
            if (image.IsClosed) RemoveImageAt(i);
        }
        return work;
    }

    /// <summary>A DATA/PAD datagram of this stream, its header validated once by the endpoint.</summary>
    internal void OnDataPacket(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        if (!IsAllowed(source))
        {
            _foreignDatagrams.Increment(); // and no SETUP elicitation: strangers get nothing back
            return;
        }
        int sessionId = Le.I32(datagram, DataHeader.SessionIdOffset);
        Image? image = FindImage(sessionId);
        if (image is not null)
        {
            image.Receiver.InsertPacket(datagram, nowNs);
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

    private bool IsAllowed(in SocketAddressV4 source) => AllowedSources is not { } allowlist || allowlist.Allows(source);

    private SocketAddressV4 ControlAddressFor(in SocketAddressV4 source) => Channel.IsMulticast ? _controlGroup : source;

    /// <summary>A SETUP of this stream, its length validated once by the endpoint.</summary>
    internal void OnSetup(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        int streamId = StreamId;
        int sessionId = Le.I32(datagram, SetupFlyweight.SessionIdOffset);
        if (FindImage(sessionId) is not null) return;
        if (!IsAllowed(source))
        {
            SetupsRefused.Count(SetupRefusal.Source);
            return;
        }

        int termLength = Le.I32(datagram, SetupFlyweight.TermLengthOffset);
        int mtu = Le.I32(datagram, SetupFlyweight.MtuOffset);
        int termOffset = Le.I32(datagram, SetupFlyweight.TermOffsetOffset);
        if (!LogBufferDescriptor.IsValidTermLength(termLength) || mtu <= DataHeader.Length || mtu > ProtocolConstants.MaxMtu
            || termOffset < 0 || termOffset >= termLength || (termOffset & (ProtocolConstants.FrameAlignment - 1)) != 0
            // A stream never runs 2^31 terms, so an active term before the initial one is malformed: it would give a
            // negative join position, and the poller's term arithmetic assumes positions are never negative.
            || unchecked(Le.I32(datagram, SetupFlyweight.ActiveTermIdOffset) - Le.I32(datagram, SetupFlyweight.InitialTermIdOffset)) < 0)
        {
            _invalidDatagrams.Increment();
            SetupsRefused.Count(SetupRefusal.Malformed);
            return;
        }
        // Bounded resources: the sender picks the term length, so check it (and the image count and the
        // driver's image memory) before allocating anything.
        ReceiverLimits limits = _options.ReceiverLimits;
        SetupRefusal? refusal = termLength > limits.MaxTermLength ? SetupRefusal.TermLength
            : mtu > limits.MaxMtu ? SetupRefusal.Mtu
            : _imageCount >= limits.MaxImagesPerSubscription ? SetupRefusal.ImageCount
            : !_termMemory.TryReserve(ReceiverLimits.ImageFootprint(termLength), nowNs) ? SetupRefusal.TermMemory
            : null;
        if (refusal is { } reason)
        {
            SetupsRefused.Count(reason);
            return;
        }

        var setup = new PublicationImage.SetupInfo(
            sessionId, streamId, Le.I32(datagram, SetupFlyweight.InitialTermIdOffset), Le.I32(datagram, SetupFlyweight.ActiveTermIdOffset),
            termOffset, termLength, mtu);
        bool isGroup = Channel.IsMulticast || (FrameHeader.ReadFlags(datagram) & FrameFlags.SetupGroup) != 0;
        long window = Channel.ReceiverWindow > 0 ? Channel.ReceiverWindow : _options.InitialReceiverWindow;
        var receiver = new PublicationImage(this, setup, ControlAddressFor(source), isGroup, nowNs, _options, window, Channel.NakDelayNs);
        receiver.Source = source;
        var image = new Image(receiver);
        if (_imageCount == _images.Length) Array.Resize(ref _images, _images.Length * 2);
        _images[_imageCount++] = image;
        // The first SM goes out at once, advertising the join position.
        receiver.DoWork(nowNs);
        OnAvailableImage?.Invoke(Describe(image, source));
    }

    /// <summary>An RTTM of this stream, its length validated once by the endpoint.</summary>
    internal void OnRttMeasurement(ReadOnlySpan<byte> datagram, in SocketAddressV4 source)
    {
        if ((FrameHeader.ReadFlags(datagram) & FrameFlags.RttmReply) == 0) return;
        long receiverId = Le.I64(datagram, RttMeasurementFlyweight.ReceiverIdOffset);
        if (receiverId != ReceiverId && receiverId != 0) return;
        // Replies only to accepted peers: an image of that session whose publisher sends from this address,
        // so the receiver cannot be used to reflect datagrams at third parties.
        Image? image = FindImage(Le.I32(datagram, RttMeasurementFlyweight.SessionIdOffset));
        if (image is null || !IsAllowed(source) || (!Channel.IsMulticast && !image.Receiver.Source.Equals(source)))
        {
            _rttmIgnored.Increment();
            return;
        }
        _endpoint.SendRttmReply(source, Le.I32(datagram, RttMeasurementFlyweight.SessionIdOffset), Le.I32(datagram, RttMeasurementFlyweight.StreamIdOffset),
            Le.I64(datagram, RttMeasurementFlyweight.EchoTimestampOffset), receiverId);
    }

    internal void SendStatusMessage(in SocketAddressV4 destination, byte flags, int sessionId, int streamId, int termId, int termOffset, int window) =>
        _endpoint.SendStatusMessage(destination, flags, sessionId, streamId, termId, termOffset, window);

    internal void SendNak(in SocketAddressV4 destination, int sessionId, int streamId, int termId, int termOffset, int length) =>
        _endpoint.SendNak(destination, sessionId, streamId, termId, termOffset, length);

    private void RemoveImageAt(int index)
    {
        Image image = _images[index];
        _termMemory.Release(image.Receiver.Log, ReceiverLimits.ImageFootprint(image.TermLength));
        _images[index] = _images[--_imageCount];
        _images[_imageCount] = null!;
        OnUnavailableImage?.Invoke(Describe(image, image.ControlAddress));
    }

    private static ImageInfo Describe(Image image, in SocketAddressV4 source) =>
        new(image.SessionId, image.StreamId, image.InitialTermId, image.TermLength, image.Mtu, image.JoinPosition, source.ToString());

    /// <summary>Detaches from the endpoint; the driver closes the socket when its last subscription goes.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _endpoint.Remove(this);
        for (int i = 0; i < _imageCount; i++)
        {
            _termMemory.Release(_images[i].Receiver.Log, ReceiverLimits.ImageFootprint(_images[i].TermLength));
            _images[i] = null!; // let the GC take the logs back, which returns their bytes to the budget
        }
        _imageCount = 0;
        if (_endpoint.SubscriptionCount == 0) _endpoint.Dispose();
    }
}
