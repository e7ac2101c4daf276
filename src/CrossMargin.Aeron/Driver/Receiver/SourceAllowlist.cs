using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron.Transport;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// The IPv4 sources a subscription accepts (addresses or CIDR blocks). A SETUP from any other source is
/// refused (<see cref="SetupRefusal.Source"/>), its DATA is dropped and counted, and it gets no control
/// replies (SMs, NAKs, RTTM replies, setup elicitation): a stranger cannot open an image, feed one, or use
/// the receiver as a reflector. For multicast the entries name the expected publishers' unicast source
/// addresses (what <c>recvfrom</c> reports), not the group.
/// </summary>
/// <remarks>Source addresses are not authenticated by UDP: on a network where senders can spoof them, add
/// message authentication (the gate's HMAC trailer) on top.</remarks>
public sealed class SourceAllowlist
{
    private readonly uint[] _networks; // host order, already masked
    private readonly uint[] _masks;

    private SourceAllowlist(uint[] networks, uint[] masks, IReadOnlyList<string> entries)
    {
        _networks = networks;
        _masks = masks;
        Entries = entries;
    }

    /// <summary>The entries as given.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>
    /// Parses entries such as <c>10.1.2.3</c> or <c>10.1.0.0/16</c>; null with the problem of the first bad one
    /// (<paramref name="badIndex"/> names it).
    /// </summary>
    public static SourceAllowlist? TryParse(IReadOnlyList<string> entries, out int badIndex, out string? problem)
    {
        var networks = new uint[entries.Count];
        var masks = new uint[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            if (!TryParseEntry(entries[i], out networks[i], out masks[i], out problem))
            {
                badIndex = i;
                return null;
            }
        }
        badIndex = -1;
        problem = entries.Count == 0 ? "an empty allowlist refuses everyone; leave the key out to accept any source" : null;
        return entries.Count == 0 ? null : new SourceAllowlist(networks, masks, [.. entries]);
    }

    /// <summary>Parses entries; throws <see cref="FormatException"/> naming the bad one.</summary>
    public static SourceAllowlist Parse(params string[] entries) =>
        TryParse(entries, out int bad, out string? problem) ?? throw new FormatException(bad >= 0 ? $"'{entries[bad]}': {problem}" : problem);

    private static bool TryParseEntry(string entry, out uint network, out uint mask, out string? problem)
    {
        network = 0;
        mask = 0;
        int slash = entry.IndexOf('/');
        string address = slash < 0 ? entry : entry[..slash];
        int prefix = 32;
        if (slash >= 0 && (!int.TryParse(entry.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32))
        {
            problem = "the prefix length after '/' must be 0..32";
            return false;
        }
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || address.Count(c => c == '.') != 3)
        {
            problem = "not an IPv4 address (a.b.c.d, optionally /prefix)";
            return false;
        }
        Span<byte> bytes = stackalloc byte[4];
        ip.TryWriteBytes(bytes, out _);
        mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        network = BinaryPrimitives.ReadUInt32BigEndian(bytes) & mask;
        problem = null;
        return true;
    }

    /// <summary>True when <paramref name="source"/> matches an entry. Allocation-free (runs per datagram).</summary>
    public bool Allows(in SocketAddressV4 source)
    {
        uint address = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(source.AddressNetworkOrder) : source.AddressNetworkOrder;
        uint[] networks = _networks, masks = _masks;
        for (int i = 0; i < networks.Length; i++)
        {
            if ((address & masks[i]) == networks[i]) return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(",", Entries);
}
