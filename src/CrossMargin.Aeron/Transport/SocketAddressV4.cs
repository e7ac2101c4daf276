using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CrossMargin.Aeron.Transport;

/// <summary>
/// An IPv4 <c>sockaddr_in</c> laid out as the Linux kernel expects it, so datagrams can be sent and received
/// with <c>sendto</c>/<c>recvfrom</c> without allocating an <see cref="EndPoint"/> per datagram.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
public struct SocketAddressV4 : IEquatable<SocketAddressV4>
{
    /// <summary>sizeof(struct sockaddr_in).</summary>
    public const int Size = 16;
    private const ushort AfInet = 2;

    /// <summary>Address family in host order (AF_INET).</summary>
    public ushort Family;
    /// <summary>Port in network byte order.</summary>
    public ushort PortNetworkOrder;
    /// <summary>IPv4 address in network byte order, as the 4 bytes appear on the wire.</summary>
    public uint AddressNetworkOrder;
    private ulong _zero;

    /// <summary>Builds a socket address from an endpoint.</summary>
    public static SocketAddressV4 From(IPEndPoint endPoint)
    {
        if (endPoint.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("only IPv4 endpoints are supported", nameof(endPoint));
        }
        Span<byte> bytes = stackalloc byte[4];
        endPoint.Address.TryWriteBytes(bytes, out _);
        return new SocketAddressV4
        {
            Family = AfInet,
            PortNetworkOrder = BinaryPrimitives.ReverseEndianness((ushort)endPoint.Port),
            AddressNetworkOrder = MemoryMarshal.Read<uint>(bytes),
        };
    }

    /// <summary>Port in host order.</summary>
    public readonly int Port => BinaryPrimitives.ReverseEndianness(PortNetworkOrder);

    /// <summary>True when no address has been set.</summary>
    public readonly bool IsEmpty => Family == 0;

    /// <summary>Converts to an <see cref="IPEndPoint"/> (allocates; for diagnostics only).</summary>
    public readonly IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[4];
        MemoryMarshal.Write(bytes, in AddressNetworkOrder);
        return new IPEndPoint(new IPAddress(bytes), Port);
    }

    /// <inheritdoc/>
    public readonly bool Equals(SocketAddressV4 other) =>
        PortNetworkOrder == other.PortNetworkOrder && AddressNetworkOrder == other.AddressNetworkOrder;

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is SocketAddressV4 other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => HashCode.Combine(PortNetworkOrder, AddressNetworkOrder);

    /// <inheritdoc/>
    public override readonly string ToString() => ToEndPoint().ToString();
}
