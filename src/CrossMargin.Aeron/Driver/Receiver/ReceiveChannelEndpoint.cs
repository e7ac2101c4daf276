using System.Net;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Transport;
using CrossMargin.Aeron.Uri;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// One receive socket shared by every subscription on the same channel endpoint (as the C driver's receive
/// channel endpoint is): reads datagrams and hands each to the subscriptions of its stream id. SMs, NAKs and
/// RTTM replies leave through the same socket, so the sender sees them come from the endpoint's port.
/// </summary>
internal sealed class ReceiveChannelEndpoint : IDisposable
{
    private const int ReceiveBufferLength = 64 * 1024;

    private readonly DriverOptions _options;
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferLength];
    private readonly byte[] _sendBuffer = new byte[StatusMessageFlyweight.LengthWithGroupTag];
    private Subscription[] _subscriptions = new Subscription[2];
    private int _subscriptionCount;

    public ReceiveChannelEndpoint(UdpChannel channel, DriverOptions options)
    {
        _options = options;
        _channel = channel;
        ReceiverId = Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        int rcvBuf = channel.SocketRcvBuf > 0 ? channel.SocketRcvBuf : options.SocketReceiveBufferSize;
        int sndBuf = channel.SocketSndBuf > 0 ? channel.SocketSndBuf : options.SocketSendBufferSize;
        Transport = channel.IsMulticast
            ? UdpTransport.BindMulticast(channel.Endpoint, channel.Interface, channel.Ttl, rcvBuf, sndBuf)
            : UdpTransport.Bind(channel.Endpoint, rcvBuf, sndBuf);
    }

    private readonly UdpChannel _channel;

    public UdpTransport Transport { get; }

    /// <summary>True when <paramref name="other"/> names the same socket (endpoint and interface).</summary>
    public bool Matches(UdpChannel other) =>
        _channel.Endpoint.Equals(other.Endpoint) && Equals(_channel.Interface, other.Interface);
    public long ReceiverId { get; }
    public IPEndPoint LocalEndPoint => Transport.LocalEndPoint;
    public long DatagramsReceived => _datagramsReceived.Value;
    private OrderedCounter _datagramsReceived;
    public long InvalidDatagrams => _invalidDatagrams.Value;
    private OrderedCounter _invalidDatagrams;
    public int SubscriptionCount => _subscriptionCount;

    public void Add(Subscription subscription)
    {
        if (_subscriptionCount == _subscriptions.Length) Array.Resize(ref _subscriptions, _subscriptions.Length * 2);
        _subscriptions[_subscriptionCount++] = subscription;
    }

    public void Remove(Subscription subscription)
    {
        for (int i = 0; i < _subscriptionCount; i++)
        {
            if (ReferenceEquals(_subscriptions[i], subscription))
            {
                _subscriptions[i] = _subscriptions[--_subscriptionCount];
                _subscriptions[_subscriptionCount] = null!;
                return;
            }
        }
    }

    public int DoWork(long nowNs)
    {
        int work = 0;
        while (work < _options.ReceiveBatchLimit)
        {
            int length = Transport.Receive(_receiveBuffer, out SocketAddressV4 source);
            if (length <= 0) break;
            work++;
            _datagramsReceived.Increment();
            Dispatch(_receiveBuffer.AsSpan(0, length), source, nowNs);
        }
        return work;
    }

    /// <summary>
    /// Validates a datagram once (version, type, the type's minimum length) and hands it to the
    /// subscriptions of its stream id by type; receivers ignore every other type (rcvep.c).
    /// </summary>
    internal void Dispatch(ReadOnlySpan<byte> datagram, in SocketAddressV4 source, long nowNs)
    {
        if (datagram.Length < FrameHeader.Length || FrameHeader.ReadVersion(datagram) != ProtocolConstants.Version)
        {
            _invalidDatagrams.Increment();
            return;
        }

        short type = FrameHeader.ReadType(datagram);
        int streamIdOffset, minimumLength;
        switch (type)
        {
            case FrameType.Data:
            case FrameType.Pad:
                streamIdOffset = DataHeader.StreamIdOffset;
                minimumLength = DataHeader.Length;
                break;
            case FrameType.Setup:
                streamIdOffset = SetupFlyweight.StreamIdOffset;
                minimumLength = SetupFlyweight.Length;
                break;
            case FrameType.RttMeasurement:
                streamIdOffset = RttMeasurementFlyweight.StreamIdOffset;
                minimumLength = RttMeasurementFlyweight.Length;
                break;
            default:
                return;
        }

        if (datagram.Length < minimumLength)
        {
            _invalidDatagrams.Increment();
            return;
        }

        int streamId = Le.I32(datagram, streamIdOffset);
        for (int i = 0; i < _subscriptionCount; i++)
        {
            Subscription subscription = _subscriptions[i];
            if (subscription.StreamId != streamId) continue;
            ReceiverDispatcher dispatcher = subscription.Dispatcher;
            if (type == FrameType.Setup) dispatcher.OnSetup(datagram, source, nowNs);
            else if (type == FrameType.RttMeasurement) dispatcher.OnRttMeasurement(datagram, source);
            else dispatcher.OnDataPacket(datagram, source, nowNs);
        }
    }

    public void SendStatusMessage(in SocketAddressV4 destination, byte flags, int sessionId, int streamId, int termId, int termOffset, int window)
    {
        Span<byte> frame = _sendBuffer.AsSpan(0, StatusMessageFlyweight.Length);
        new StatusMessageFlyweight(frame).Write(flags, sessionId, streamId, termId, termOffset, window, ReceiverId);
        Transport.Send(frame, destination);
    }

    public void SendNak(in SocketAddressV4 destination, int sessionId, int streamId, int termId, int termOffset, int length)
    {
        Span<byte> frame = _sendBuffer.AsSpan(0, NakFlyweight.Length);
        new NakFlyweight(frame).Write(sessionId, streamId, termId, termOffset, length);
        Transport.Send(frame, destination);
    }

    public void SendRttmReply(in SocketAddressV4 destination, int sessionId, int streamId, long echoTimestamp, long receiverId)
    {
        Span<byte> frame = _sendBuffer.AsSpan(0, RttMeasurementFlyweight.Length);
        new RttMeasurementFlyweight(frame).Write(0, sessionId, streamId, echoTimestamp, 0, receiverId);
        Transport.Send(frame, destination);
    }

    public void Dispose() => Transport.Dispose();
}
