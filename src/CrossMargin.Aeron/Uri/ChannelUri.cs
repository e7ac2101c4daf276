using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;

namespace CrossMargin.Aeron.Uri;

/// <summary>
/// A parsed Aeron channel URI, <c>aeron:udp?key=value|key=value</c> (aeron-wire.md §12).
/// Parsing happens at setup time and may allocate.
/// </summary>
public sealed class ChannelUri
{
    /// <summary>URI scheme prefix.</summary>
    public const string Prefix = "aeron:";
    /// <summary>UDP media.</summary>
    public const string UdpMedia = "udp";
    /// <summary>Key: endpoint address.</summary>
    public const string EndpointKey = "endpoint";
    /// <summary>Key: local interface.</summary>
    public const string InterfaceKey = "interface";
    /// <summary>Key: MTU.</summary>
    public const string MtuKey = "mtu";
    /// <summary>Key: term length.</summary>
    public const string TermLengthKey = "term-length";
    /// <summary>Key: multicast TTL.</summary>
    public const string TtlKey = "ttl";
    /// <summary>Key: receiver window.</summary>
    public const string ReceiverWindowKey = "rcv-wnd";
    /// <summary>Key: unicast NAK delay (e.g. 100us).</summary>
    public const string NakDelayKey = "nak-delay";
    /// <summary>Key: fixed session id.</summary>
    public const string SessionIdKey = "session-id";
    /// <summary>Key: publication linger timeout.</summary>
    public const string LingerKey = "linger";
    /// <summary>Key: initial term id.</summary>
    public const string InitialTermIdKey = "init-term-id";
    /// <summary>Key: socket receive buffer.</summary>
    public const string SocketRcvBufKey = "so-rcvbuf";
    /// <summary>Key: socket send buffer.</summary>
    public const string SocketSndBufKey = "so-sndbuf";
    /// <summary>Key: control address.</summary>
    public const string ControlKey = "control";

    private readonly Dictionary<string, string> _params;

    private ChannelUri(string media, Dictionary<string, string> parameters, string original)
    {
        Media = media;
        _params = parameters;
        Original = original;
    }

    /// <summary>Media (always "udp" for this transport).</summary>
    public string Media { get; }
    /// <summary>The text that was parsed.</summary>
    public string Original { get; }
    /// <summary>All key/value parameters.</summary>
    public IReadOnlyDictionary<string, string> Parameters => _params;

    /// <summary>Value of <paramref name="key"/> or null.</summary>
    public string? Get(string key) => _params.TryGetValue(key, out var v) ? v : null;

    /// <summary>Parses an Aeron channel URI; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static ChannelUri Parse(string channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (!channel.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"channel must start with '{Prefix}': {channel}");
        }

        string rest = channel[Prefix.Length..];
        int q = rest.IndexOf('?');
        string media = q < 0 ? rest : rest[..q];
        if (media != UdpMedia)
        {
            throw new FormatException($"only '{UdpMedia}' media is supported: {channel}");
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (q >= 0)
        {
            foreach (string pair in rest[(q + 1)..].Split('|', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0)
                {
                    throw new FormatException($"parameter '{pair}' is not key=value: {channel}");
                }
                parameters[pair[..eq]] = pair[(eq + 1)..];
            }
        }
        return new ChannelUri(media, parameters, channel);
    }

    /// <summary>Integer parameter or <paramref name="defaultValue"/>; accepts k/m/g suffixes (as Aeron does for sizes).</summary>
    public long GetSize(string key, long defaultValue)
    {
        string? v = Get(key);
        if (v is null) return defaultValue;
        long multiplier = 1;
        char last = char.ToLowerInvariant(v[^1]);
        if (last is 'k' or 'm' or 'g')
        {
            multiplier = last switch { 'k' => 1024L, 'm' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            v = v[..^1];
        }
        return long.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) * multiplier;
    }

    /// <summary>Duration parameter in ns (suffix ns, us, ms, s; bare numbers are ns) or the default.</summary>
    public long GetDurationNs(string key, long defaultNs)
    {
        string? v = Get(key);
        if (v is null) return defaultNs;
        (string digits, long scale) = v switch
        {
            _ when v.EndsWith("ns", StringComparison.Ordinal) => (v[..^2], 1L),
            _ when v.EndsWith("us", StringComparison.Ordinal) => (v[..^2], 1_000L),
            _ when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], 1_000_000L),
            _ when v.EndsWith('s') => (v[..^1], 1_000_000_000L),
            _ => (v, 1L),
        };
        return long.Parse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture) * scale;
    }
}

/// <summary>
/// A UDP channel resolved from a <see cref="ChannelUri"/>: endpoint, interface, multicast control group,
/// MTU, term length and the other knobs the transport uses.
/// </summary>
public sealed class UdpChannel
{
    private UdpChannel(ChannelUri uri) => Uri = uri;

    /// <summary>The parsed URI.</summary>
    public ChannelUri Uri { get; }
    /// <summary>Endpoint: unicast destination / bind address, or multicast data group.</summary>
    public IPEndPoint Endpoint { get; private init; } = null!;
    /// <summary>Local interface address, or null for "any".</summary>
    public IPAddress? Interface { get; private init; }
    /// <summary>True for a multicast endpoint.</summary>
    public bool IsMulticast { get; private init; }
    /// <summary>Multicast control group (data group + 1, same port); null for unicast.</summary>
    public IPEndPoint? ControlGroup { get; private init; }
    /// <summary>MTU for publications.</summary>
    public int Mtu { get; private init; }
    /// <summary>Term length for publications.</summary>
    public int TermLength { get; private init; }
    /// <summary>Multicast TTL (0 = OS default).</summary>
    public int Ttl { get; private init; }
    /// <summary>Receiver window from rcv-wnd, or 0 for the default.</summary>
    public int ReceiverWindow { get; private init; }
    /// <summary>Unicast NAK delay in ns.</summary>
    public long NakDelayNs { get; private init; }
    /// <summary>Fixed session id, or null to allocate.</summary>
    public int? SessionId { get; private init; }
    /// <summary>Fixed initial term id, or null for random.</summary>
    public int? InitialTermId { get; private init; }
    /// <summary>Publication linger in ns.</summary>
    public long LingerNs { get; private init; }
    /// <summary>SO_RCVBUF, 0 = transport default.</summary>
    public int SocketRcvBuf { get; private init; }
    /// <summary>SO_SNDBUF, 0 = OS default.</summary>
    public int SocketSndBuf { get; private init; }

    /// <summary>Default unicast NAK delay: 100 µs.</summary>
    public const long DefaultNakDelayNs = 100_000;
    /// <summary>Default publication linger: 5 s.</summary>
    public const long DefaultLingerNs = 5_000_000_000;

    /// <summary>Parses and resolves <paramref name="channel"/>.</summary>
    public static UdpChannel Parse(string channel) => Resolve(ChannelUri.Parse(channel));

    /// <summary>Resolves a parsed URI; throws <see cref="FormatException"/> on invalid values.</summary>
    public static UdpChannel Resolve(ChannelUri uri)
    {
        string endpointText = uri.Get(ChannelUri.EndpointKey)
            ?? throw new FormatException($"'{ChannelUri.EndpointKey}' is required: {uri.Original}");
        IPEndPoint endpoint = ParseEndpoint(endpointText);
        IPAddress? iface = null;
        string? ifaceText = uri.Get(ChannelUri.InterfaceKey);
        if (ifaceText is not null)
        {
            int slash = ifaceText.IndexOf('/');
            string host = slash >= 0 ? ifaceText[..slash] : ifaceText;
            int colon = host.LastIndexOf(':');
            if (colon > 0) host = host[..colon];
            iface = ResolveHost(host);
        }

        bool multicast = IsMulticastAddress(endpoint.Address);
        IPEndPoint? control = null;
        if (multicast)
        {
            byte[] bytes = endpoint.Address.GetAddressBytes();
            if ((bytes[^1] & 1) == 0)
            {
                throw new FormatException($"multicast data address must end in an odd byte: {uri.Original}");
            }
            bytes[^1]++;
            control = new IPEndPoint(new IPAddress(bytes), endpoint.Port);
        }

        int mtu = checked((int)uri.GetSize(ChannelUri.MtuKey, ProtocolConstants.DefaultMtu));
        if (mtu <= DataHeader.Length || mtu > ProtocolConstants.MaxMtu || mtu % ProtocolConstants.FrameAlignment != 0)
        {
            throw new FormatException($"mtu must be > 32, <= 65504 and a multiple of 32: {uri.Original}");
        }
        int termLength = checked((int)uri.GetSize(ChannelUri.TermLengthKey, LogBufferDescriptor.DefaultTermLength));
        if (!LogBufferDescriptor.IsValidTermLength(termLength))
        {
            throw new FormatException($"term-length must be a power of two in [64k, 1g]: {uri.Original}");
        }

        string? sessionText = uri.Get(ChannelUri.SessionIdKey);
        string? initTermText = uri.Get(ChannelUri.InitialTermIdKey);
        return new UdpChannel(uri)
        {
            Endpoint = endpoint,
            Interface = iface,
            IsMulticast = multicast,
            ControlGroup = control,
            Mtu = mtu,
            TermLength = termLength,
            Ttl = (int)uri.GetSize(ChannelUri.TtlKey, 0),
            ReceiverWindow = (int)uri.GetSize(ChannelUri.ReceiverWindowKey, 0),
            NakDelayNs = uri.GetDurationNs(ChannelUri.NakDelayKey, DefaultNakDelayNs),
            SessionId = sessionText is null ? null : int.Parse(sessionText, CultureInfo.InvariantCulture),
            InitialTermId = initTermText is null ? null : int.Parse(initTermText, CultureInfo.InvariantCulture),
            LingerNs = uri.GetDurationNs(ChannelUri.LingerKey, DefaultLingerNs),
            SocketRcvBuf = (int)uri.GetSize(ChannelUri.SocketRcvBufKey, 0),
            SocketSndBuf = (int)uri.GetSize(ChannelUri.SocketSndBufKey, 0),
        };
    }

    /// <summary>True for an IPv4 multicast (224.0.0.0/4) address.</summary>
    public static bool IsMulticastAddress(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

    /// <summary>Parses <c>host:port</c> (IPv4 or a resolvable name).</summary>
    public static IPEndPoint ParseEndpoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) || port < 0 || port > 65535)
        {
            throw new FormatException($"endpoint must be host:port: {text}");
        }
        return new IPEndPoint(ResolveHost(text[..colon]), port);
    }

    private static IPAddress ResolveHost(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        foreach (var a in Dns.GetHostAddresses(host))
        {
            if (a.AddressFamily == AddressFamily.InterNetwork) return a;
        }
        throw new FormatException($"cannot resolve '{host}' to an IPv4 address");
    }
}
