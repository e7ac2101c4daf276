using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CrossMargin.Aeron.Transport;

/// <summary>Decides whether a datagram is dropped (test hook for loss injection). Return true to drop.</summary>
public delegate bool DatagramDropPredicate(ReadOnlySpan<byte> datagram);

/// <summary>
/// One UDP socket used without blocking and without per-datagram allocation. On Linux the datagram path calls
/// <c>recvfrom(MSG_DONTWAIT)</c>/<c>sendto</c> directly on the socket's descriptor, because the managed
/// <see cref="Socket"/> API either throws on "would block" or costs an extra syscall to ask first.
/// Not thread-safe: owned by the duty-cycle thread.
/// </summary>
public sealed unsafe partial class UdpTransport : IDisposable
{
    private const int MsgDontWait = 0x40;
    /// <summary>Default SO_RCVBUF requested for receiving sockets (2 MiB; the kernel caps it at rmem_max).</summary>
    public const int DefaultReceiveBufferSize = 2 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly bool _native;
    private readonly SocketAddress _managedAddress;
    private bool _disposed;

    private UdpTransport(Socket socket)
    {
        _socket = socket;
        _native = OperatingSystem.IsLinux();
        _fd = (int)socket.Handle;
        _managedAddress = new SocketAddress(AddressFamily.InterNetwork);
        if (!_native)
        {
            socket.Blocking = false;
        }
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Address the socket is bound to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Loss-injection hook applied to every received datagram (tests only); null = deliver all.</summary>
    public DatagramDropPredicate? ReceiveDropHook { get; set; }

    /// <summary>Loss-injection hook applied to every datagram about to be sent; a dropped datagram counts as sent.</summary>
    public DatagramDropPredicate? SendDropHook { get; set; }

    /// <summary>Datagrams dropped by the hooks.</summary>
    public long DroppedByHook { get; private set; }

    /// <summary>Binds a unicast socket to <paramref name="local"/> (port 0 = ephemeral).</summary>
    public static UdpTransport Bind(IPEndPoint local, int receiveBufferSize = DefaultReceiveBufferSize, int sendBufferSize = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            ApplyBuffers(socket, receiveBufferSize, sendBufferSize);
            socket.Bind(local);
            return new UdpTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Binds to a multicast <paramref name="group"/> and its port with address reuse and joins the group on
    /// <paramref name="interfaceAddress"/>. Binding the group address (as the C driver does on Linux) keeps
    /// datagrams for other groups on the same port out of this socket.
    /// </summary>
    public static UdpTransport BindMulticast(IPEndPoint group, IPAddress? interfaceAddress, int ttl, int receiveBufferSize = DefaultReceiveBufferSize, int sendBufferSize = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            ApplyBuffers(socket, receiveBufferSize, sendBufferSize);
            socket.Bind(OperatingSystem.IsLinux() ? group : new IPEndPoint(IPAddress.Any, group.Port));
            var iface = interfaceAddress ?? IPAddress.Any;
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group.Address, iface));
            ConfigureMulticastSend(socket, interfaceAddress, ttl);
            return new UdpTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Creates a sending socket on an ephemeral port, set up for multicast sends when asked.</summary>
    public static UdpTransport CreateSender(IPAddress bindAddress, bool multicast, IPAddress? interfaceAddress, int ttl, int receiveBufferSize = DefaultReceiveBufferSize, int sendBufferSize = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            ApplyBuffers(socket, receiveBufferSize, sendBufferSize);
            socket.Bind(new IPEndPoint(bindAddress, 0));
            if (multicast)
            {
                ConfigureMulticastSend(socket, interfaceAddress, ttl);
            }
            return new UdpTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void ApplyBuffers(Socket socket, int receiveBufferSize, int sendBufferSize)
    {
        if (receiveBufferSize > 0) socket.ReceiveBufferSize = receiveBufferSize;
        if (sendBufferSize > 0) socket.SendBufferSize = sendBufferSize;
    }

    private static void ConfigureMulticastSend(Socket socket, IPAddress? interfaceAddress, int ttl)
    {
        if (interfaceAddress is not null)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, interfaceAddress.GetAddressBytes());
        }
        // Same-host peers (the usual test and colocated setup) need to hear our own multicast.
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
        if (ttl > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, ttl);
        }
    }

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> without blocking. Returns its length, or 0 when
    /// nothing is waiting. Datagrams the drop hook rejects are skipped.
    /// </summary>
    public int Receive(Span<byte> buffer, out SocketAddressV4 source)
    {
        while (true)
        {
            int length = ReceiveOne(buffer, out source);
            if (length <= 0) return 0;
            if (ReceiveDropHook is { } hook && hook(buffer[..length]))
            {
                DroppedByHook++;
                continue; // as if it never arrived
            }
            return length;
        }
    }

    private int ReceiveOne(Span<byte> buffer, out SocketAddressV4 source)
    {
        source = default;
        // A closed descriptor number can be reused by the next socket opened: never touch it after Dispose.
        if (_disposed) return 0;
        if (_native)
        {
            int addrLen = SocketAddressV4.Size;
            fixed (byte* b = buffer)
            fixed (SocketAddressV4* a = &source)
            {
                return (int)recvfrom(_fd, b, buffer.Length, MsgDontWait, a, &addrLen);
            }
        }

        if (_socket.Available == 0) return 0;
        int length = _socket.ReceiveFrom(buffer, SocketFlags.None, _managedAddress);
        source = FromManaged(_managedAddress);
        return length;
    }

    /// <summary>Sends one datagram. Returns false if the socket could not take it now (retry later).</summary>
    public bool Send(ReadOnlySpan<byte> datagram, in SocketAddressV4 destination)
    {
        if (_disposed) return false;
        if (SendDropHook is { } hook && hook(datagram))
        {
            DroppedByHook++;
            return true;
        }

        if (_native)
        {
            fixed (byte* b = datagram)
            fixed (SocketAddressV4* a = &destination)
            {
                return sendto(_fd, b, datagram.Length, MsgDontWait, a, SocketAddressV4.Size) >= 0;
            }
        }

        ToManaged(destination, _managedAddress);
        try
        {
            return _socket.SendTo(datagram, SocketFlags.None, _managedAddress) == datagram.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static SocketAddressV4 FromManaged(SocketAddress address)
    {
        var ep = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(address);
        return SocketAddressV4.From(ep);
    }

    private static void ToManaged(in SocketAddressV4 address, SocketAddress managed)
    {
        var ep = address.ToEndPoint();
        var serialized = ep.Serialize();
        for (int i = 0; i < serialized.Size; i++) managed[i] = serialized[i];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _socket.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "recvfrom")]
    private static partial nint recvfrom(int fd, byte* buffer, nint length, int flags, SocketAddressV4* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "sendto")]
    private static partial nint sendto(int fd, byte* buffer, nint length, int flags, SocketAddressV4* address, int addressLength);
}
