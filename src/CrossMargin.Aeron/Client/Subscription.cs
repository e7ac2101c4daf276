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
/// This is the client's view (poll, the images list, counters); the receiver side — SETUP handling, image
/// creation under the limits and allowlist, image timers — is its <see cref="ReceiverDispatcher"/>.
/// Single-threaded: <see cref="Poll{THandler}"/> and the driver's duty cycle run on the same thread.
/// </summary>
public sealed class Subscription : IDisposable
{
    private readonly ReceiverDispatcher _dispatcher;
    private Image[] _images = new Image[4];
    private int _imageCount;
    private int _roundRobinIndex;
    private bool _disposed;

    internal Subscription(UdpChannel channel, int streamId, DriverOptions options, ReceiveChannelEndpoint endpoint, TermMemoryBudget termMemory)
    {
        Channel = channel;
        StreamId = streamId;
        _dispatcher = new ReceiverDispatcher(this, options, endpoint, termMemory);
    }

    internal ReceiveChannelEndpoint Endpoint => _dispatcher.Endpoint;

    /// <summary>The receiver side of this subscription (driver duty cycle only).</summary>
    internal ReceiverDispatcher Dispatcher => _dispatcher;

    /// <summary>The channel.</summary>
    public UdpChannel Channel { get; }
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Random 64-bit id of the receiving channel endpoint (shared by subscriptions on it), sent in SMs.</summary>
    public long ReceiverId => Endpoint.ReceiverId;
    /// <summary>Local address of the receive socket (useful with port 0).</summary>
    public IPEndPoint LocalEndPoint => Endpoint.LocalEndPoint;
    /// <summary>Number of connected images.</summary>
    public int ImageCount => _imageCount;
    /// <summary>True if any image is connected.</summary>
    public bool IsConnected => _imageCount > 0;
    /// <summary>Called when an image appears (setup time; may allocate).</summary>
    public Action<ImageInfo>? OnAvailableImage { get; set; }
    /// <summary>Called when an image goes away (EOS drained or liveness timeout).</summary>
    public Action<ImageInfo>? OnUnavailableImage { get; set; }
    /// <summary>Loss-injection hook on received datagrams of this subscription's socket (tests).</summary>
    public DatagramDropPredicate? ReceiveDropHook { get => Endpoint.Transport.ReceiveDropHook; set => Endpoint.Transport.ReceiveDropHook = value; }
    /// <summary>Datagrams read from the (possibly shared) socket, after the loss hook.</summary>
    public long DatagramsReceived => Endpoint.DatagramsReceived;
    /// <summary>Datagrams ignored as malformed, on the socket or for this subscription.</summary>
    public long InvalidDatagrams => Endpoint.InvalidDatagrams + _dispatcher.InvalidDatagrams;
    /// <summary>
    /// Sources this subscription accepts (null: any). Set it before the driver's duty cycle runs; images from
    /// other sources are refused at SETUP and get no control replies.
    /// </summary>
    public SourceAllowlist? AllowedSources { get; set; }
    /// <summary>DATA/PAD datagrams dropped because their source is not in <see cref="AllowedSources"/>.</summary>
    public long ForeignDatagrams => _dispatcher.ForeignDatagrams;
    /// <summary>RTT measurement requests not answered (no image of that session from that source).</summary>
    public long RttmIgnored => _dispatcher.RttmIgnored;

    /// <summary>SETUPs refused (malformed or outside <see cref="DriverOptions.ReceiverLimits"/>), by reason; none allocated anything.</summary>
    public SetupRefusals SetupsRefused => _dispatcher.SetupsRefused;

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

    /// <summary>The receiver hands over a new image (after SETUP passed its checks).</summary>
    internal void AddImage(Image image)
    {
        if (_imageCount == _images.Length) Array.Resize(ref _images, _images.Length * 2);
        _images[_imageCount++] = image;
    }

    /// <summary>The receiver takes an image back; the last image moves into its place.</summary>
    internal Image RemoveImageAt(int index)
    {
        Image image = _images[index];
        _images[index] = _images[--_imageCount];
        _images[_imageCount] = null!; // let the GC take the log back, which returns its bytes to the budget
        return image;
    }

    internal void NotifyAvailable(Image image, in SocketAddressV4 source) => OnAvailableImage?.Invoke(Describe(image, source));

    internal void NotifyUnavailable(Image image) => OnUnavailableImage?.Invoke(Describe(image, image.ControlAddress));

    private static ImageInfo Describe(Image image, in SocketAddressV4 source) =>
        new(image.SessionId, image.StreamId, image.InitialTermId, image.TermLength, image.Mtu, image.JoinPosition, source.ToString());

    /// <summary>Detaches from the endpoint; the driver closes the socket when its last subscription goes.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _dispatcher.Close();
    }
}
