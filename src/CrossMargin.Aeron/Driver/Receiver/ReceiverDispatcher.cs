using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;
using CrossMargin.Aeron.Uri;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// The receiver's side of one subscription (the C driver's data packet dispatcher, per subscribed stream on a
/// receive channel endpoint): takes the DATA/PAD, SETUP and RTTM datagrams the endpoint has validated once,
/// checks sources against the allowlist, elicits SETUPs for unknown sessions, creates a
/// <see cref="PublicationImage"/> on an acceptable SETUP (after the <see cref="ReceiverLimits"/> and the term
/// memory budget, so a refused SETUP allocates nothing), runs the images' timers and hands images to, and
/// takes them back from, the client-side <see cref="Subscription"/>, which only polls them.
/// </summary>
/// <remarks>Single-threaded: runs on the driver's duty cycle, the same thread that polls the subscription.</remarks>
internal sealed class ReceiverDispatcher
{
    private const int ElicitSlots = 8;

    private readonly Subscription _subscription;
    private readonly DriverOptions _options;
    private readonly ReceiveChannelEndpoint _endpoint;
    private readonly TermMemoryBudget _termMemory;
    private readonly SocketAddressV4 _controlGroup;
    private readonly int[] _elicitSessions = new int[ElicitSlots];
    private readonly long[] _elicitTimesNs = new long[ElicitSlots];
    private int _elicitNext;
    private OrderedCounter _invalidDatagrams;
    private OrderedCounter _foreignDatagrams;
    private OrderedCounter _rttmIgnored;

    internal ReceiverDispatcher(Subscription subscription, DriverOptions options, ReceiveChannelEndpoint endpoint, TermMemoryBudget termMemory)
    {
        _subscription = subscription;
        _options = options;
        _endpoint = endpoint;
        _termMemory = termMemory;
        if (subscription.Channel.IsMulticast)
        {
            _controlGroup = SocketAddressV4.From(subscription.Channel.ControlGroup!);
        }
        for (int i = 0; i < ElicitSlots; i++) _elicitTimesNs[i] = long.MinValue / 2;
    }

    internal ReceiveChannelEndpoint Endpoint => _endpoint;

    /// <summary>Datagrams of this stream ignored as malformed (a SETUP with impossible parameters).</summary>
    internal long InvalidDatagrams => _invalidDatagrams.Value;

    /// <summary>DATA/PAD datagrams dropped because their source is not allowed.</summary>
    internal long ForeignDatagrams => _foreignDatagrams.Value;

    /// <summary>RTT measurement requests not answered.</summary>
    internal long RttmIgnored => _rttmIgnored.Value;

    /// <summary>SETUPs refused, by reason.</summary>
    internal SetupRefusals SetupsRefused { get; } = new();

    private UdpChannel Channel => _subscription.Channel;

    /// <summary>One duty-cycle slice: image timers (NAK, SM, EOS, liveness); drops finished images.</summary>
    internal int DoWork(long nowNs)
    {
        int work = 0;
        for (int i = _subscription.ImageCount - 1; i >= 0; i--)
        {
            PublicationImage image = _subscription.ImageAt(i).Receiver;
            work += image.DoWork(nowNs);
            if (image.IsClosed)
            {
                Image removed = _subscription.RemoveImageAt(i);
                _termMemory.Release(removed.Receiver.Log, ReceiverLimits.ImageFootprint(removed.TermLength));
                _subscription.NotifyUnavailable(removed);
            }
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
        Image? image = _subscription.FindImage(sessionId);
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
        SendStatusMessage(ControlAddressFor(source), FrameFlags.SendSetup, sessionId, _subscription.StreamId, 0, 0, 0);
    }

    private bool IsAllowed(in SocketAddressV4 source) => _subscription.AllowedSources is not { } allowlist || allowlist.Allows(source);

    private SocketAddressV4 ControlAddressFor(in SocketAddressV4 source) => Channel.IsMulticast ? _controlGroup : source;

    /// <summary>A SETUP of this stream, its length validated once by the endpoint.</summary>
    internal void OnSetup(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        int streamId = _subscription.StreamId;
        int sessionId = Le.I32(datagram, SetupFlyweight.SessionIdOffset);
        if (_subscription.FindImage(sessionId) is not null) return;
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
            : _subscription.ImageCount >= limits.MaxImagesPerSubscription ? SetupRefusal.ImageCount
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
        _subscription.AddImage(image);
        // The first SM goes out at once, advertising the join position.
        receiver.DoWork(nowNs);
        _subscription.NotifyAvailable(image, source);
    }

    /// <summary>An RTTM of this stream, its length validated once by the endpoint.</summary>
    internal void OnRttMeasurement(ReadOnlySpan<byte> datagram, in SocketAddressV4 source)
    {
        if ((FrameHeader.ReadFlags(datagram) & FrameFlags.RttmReply) == 0) return;
        long receiverId = Le.I64(datagram, RttMeasurementFlyweight.ReceiverIdOffset);
        if (receiverId != _endpoint.ReceiverId && receiverId != 0) return;
        // Replies only to accepted peers: an image of that session whose publisher sends from this address,
        // so the receiver cannot be used to reflect datagrams at third parties.
        Image? image = _subscription.FindImage(Le.I32(datagram, RttMeasurementFlyweight.SessionIdOffset));
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

    /// <summary>Detaches from the endpoint and returns every image's term memory; the driver closes the socket with its last subscription.</summary>
    internal void Close()
    {
        _endpoint.Remove(_subscription);
        for (int i = _subscription.ImageCount - 1; i >= 0; i--)
        {
            Image image = _subscription.RemoveImageAt(i);
            _termMemory.Release(image.Receiver.Log, ReceiverLimits.ImageFootprint(image.TermLength));
        }
        if (_endpoint.SubscriptionCount == 0) _endpoint.Dispose();
    }
}
