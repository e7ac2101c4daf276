using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Aeron.Driver.Sender;
using CrossMargin.Aeron.Uri;
using CrossMargin.Concurrency;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron;

/// <summary>
/// The media driver, embedded: owns publications and subscriptions and does all their network work in
/// <see cref="DoWork"/>, so one duty-cycle thread can drive receive, send and the application (e.g. the
/// risk ring) with no separate driver process. Not thread-safe: every call comes from that one thread.
/// </summary>
public sealed class EmbeddedDriver : IAgent, IDisposable
{
    private const int ReservedSessionIdLow = -1;
    private const int ReservedSessionIdHigh = 1000;

    private NetworkPublication[] _publications = new NetworkPublication[4];
    private int _publicationCount;
    private Sub[] _subscriptions = new Sub[4];
    private int _subscriptionCount;
    private ReceiveChannelEndpoint[] _endpoints = new ReceiveChannelEndpoint[4];
    private int _endpointCount;
    private int _nextSessionId;
    private readonly TermMemoryBudget _termMemory;

    /// <summary>Creates a driver with the given (or default C-driver) options.</summary>
    public EmbeddedDriver(DriverOptions? options = null)
    {
        Options = options ?? new DriverOptions();
        if (Options.ReceiverLimits.Problem() is { } problem) throw new ArgumentException($"receiver limits: {problem}", nameof(options));
        _termMemory = new TermMemoryBudget(Options.ReceiverLimits.MaxTermMemory);
        _nextSessionId = Random.Shared.Next();
    }

    /// <summary>Timers and sizes.</summary>
    public DriverOptions Options { get; }

    /// <summary>
    /// Bytes held by the images of every subscription, including removed images the GC has not collected yet
    /// (never above <see cref="ReceiverLimits.MaxTermMemory"/>).
    /// </summary>
    public long ImageMemory => _termMemory.Reserved;

    /// <inheritdoc/>
    public string RoleName => "aeron-embedded-driver";

    /// <summary>
    /// A replacement clock (ns) for tests (simulated time); <c>null</c> (the default) reads the
    /// system <see cref="NanoClock"/> directly, with no delegate call on the duty cycle.
    /// </summary>
    public Func<long>? Clock { get; set; }

    private long Now() => Clock is { } clock ? clock() : NanoClock.NanoTime();

    /// <summary>Adds a publication on <paramref name="channel"/> (e.g. <c>aeron:udp?endpoint=127.0.0.1:40123</c>).</summary>
    public ExclusivePublication AddPublication(string channel, int streamId)
    {
        UdpChannel udp = UdpChannel.Parse(channel);
        int sessionId = udp.SessionId ?? AllocateSessionId();
        int initialTermId = udp.InitialTermId ?? Random.Shared.Next(int.MinValue, int.MaxValue);
        var publication = new NetworkPublication(udp, streamId, sessionId, initialTermId, Options);
        if (_publicationCount == _publications.Length) Array.Resize(ref _publications, _publications.Length * 2);
        _publications[_publicationCount++] = publication;
        return new ExclusivePublication(publication);
    }

    /// <summary>
    /// Adds a subscription on <paramref name="channel"/>; multicast joins the group on <c>interface</c>.
    /// Subscriptions on the same endpoint (and interface) share one socket, dispatched by stream id.
    /// </summary>
    public Sub AddSubscription(string channel, int streamId)
    {
        UdpChannel udp = UdpChannel.Parse(channel);
        ReceiveChannelEndpoint? endpoint = udp.Endpoint.Port == 0 ? null : FindEndpoint(udp);
        if (endpoint is null)
        {
            endpoint = new ReceiveChannelEndpoint(udp, Options);
            if (_endpointCount == _endpoints.Length) Array.Resize(ref _endpoints, _endpoints.Length * 2);
            _endpoints[_endpointCount++] = endpoint;
        }
        var subscription = new Sub(udp, streamId, Options, endpoint, _termMemory);
        endpoint.Add(subscription);
        if (_subscriptionCount == _subscriptions.Length) Array.Resize(ref _subscriptions, _subscriptions.Length * 2);
        _subscriptions[_subscriptionCount++] = subscription;
        return subscription;
    }

    private ReceiveChannelEndpoint? FindEndpoint(UdpChannel channel)
    {
        for (int i = 0; i < _endpointCount; i++)
        {
            ReceiveChannelEndpoint endpoint = _endpoints[i];
            if (endpoint.SubscriptionCount > 0 && endpoint.Matches(channel)) return endpoint;
        }
        return null;
    }

    /// <summary>Closes and forgets a subscription (its socket closes with the last subscription on it).</summary>
    public void RemoveSubscription(Sub subscription)
    {
        for (int i = 0; i < _subscriptionCount; i++)
        {
            if (ReferenceEquals(_subscriptions[i], subscription))
            {
                _subscriptions[i] = _subscriptions[--_subscriptionCount];
                _subscriptions[_subscriptionCount] = null!;
                break;
            }
        }
        ReceiveChannelEndpoint endpoint = subscription.Endpoint;
        subscription.Dispose();
        if (endpoint.SubscriptionCount == 0)
        {
            for (int i = 0; i < _endpointCount; i++)
            {
                if (ReferenceEquals(_endpoints[i], endpoint))
                {
                    _endpoints[i] = _endpoints[--_endpointCount];
                    _endpoints[_endpointCount] = null!;
                    break;
                }
            }
        }
    }

    /// <summary>Number of publications still sending (closed ones linger until EOS is done).</summary>
    public int PublicationCount => _publicationCount;

    private int AllocateSessionId()
    {
        int id;
        do
        {
            id = _nextSessionId++;
        }
        while (id >= ReservedSessionIdLow && id <= ReservedSessionIdHigh);
        return id;
    }

    /// <summary>One duty cycle: receive and process every socket, send what flow control allows, run timers.</summary>
    public int DoWork()
    {
        long now = Now();
        return DoReceiverWork(now) + DoSenderWork(now);
    }

    /// <summary>
    /// The receiver half of a duty cycle: read every receive endpoint, then the subscriptions'
    /// timers (status messages, NAKs). A thread that also publishes calls this first, polls and
    /// offers, then <see cref="DoSenderWork()"/>, so what it offered leaves in the same cycle.
    /// </summary>
    public int DoReceiverWork() => DoReceiverWork(Now());

    /// <summary>The sender half of a duty cycle: control frames in, SETUP/data/retransmits/heartbeats out, EOS linger.</summary>
    public int DoSenderWork() => DoSenderWork(Now());

    private int DoReceiverWork(long now)
    {
        int work = 0;
        for (int i = 0; i < _endpointCount; i++)
        {
            work += _endpoints[i].DoWork(now);
        }
        for (int i = 0; i < _subscriptionCount; i++)
        {
            work += _subscriptions[i].Dispatcher.DoWork(now);
        }
        return work;
    }

    private int DoSenderWork(long now)
    {
        int work = 0;
        for (int i = _publicationCount - 1; i >= 0; i--)
        {
            NetworkPublication publication = _publications[i];
            work += publication.DoWork(now);
            if (publication.IsDone)
            {
                publication.Dispose();
                _publications[i] = _publications[--_publicationCount];
                _publications[_publicationCount] = null!;
            }
        }
        return work;
    }

    /// <summary>Closes every socket at once (no EOS linger).</summary>
    public void Dispose()
    {
        for (int i = 0; i < _publicationCount; i++) _publications[i].Dispose();
        for (int i = 0; i < _subscriptionCount; i++) _subscriptions[i].Dispose();
        for (int i = 0; i < _endpointCount; i++) _endpoints[i].Dispose();
        _publicationCount = 0;
        _subscriptionCount = 0;
        _endpointCount = 0;
    }
}
