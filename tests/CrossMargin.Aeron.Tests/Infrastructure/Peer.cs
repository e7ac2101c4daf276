using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron.Protocol;

namespace CrossMargin.Aeron.Tests.Infrastructure;

/// <summary>A raw UDP socket on 127.0.0.1 standing in for a real Aeron peer (replays captures, records what we send).</summary>
public sealed class Peer : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65536];

    public Peer(IPEndPoint? bind = null)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(bind ?? new IPEndPoint(IPAddress.Loopback, 0));
    }

    public Socket Socket => _socket;
    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public int Port => EndPoint.Port;

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) => _socket.SendTo(datagram, SocketFlags.None, destination);

    /// <summary>Next datagram, pumping <paramref name="pump"/> while waiting; null on timeout.</summary>
    public byte[]? Receive(Action? pump = null, int timeoutMs = 2000, Func<byte[], bool>? accept = null)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            pump?.Invoke();
            while (_socket.Available > 0)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n = _socket.ReceiveFrom(_buffer, ref from);
                byte[] datagram = _buffer.AsSpan(0, n).ToArray();
                if (accept is null || accept(datagram)) return datagram;
            }
            if (pump is null) Thread.Sleep(1);
        }
        return null;
    }

    /// <summary>Next datagram of the given frame type.</summary>
    public byte[]? ReceiveOfType(short type, Action? pump = null, int timeoutMs = 2000, Func<byte[], bool>? accept = null) =>
        Receive(pump, timeoutMs, d => d.Length >= FrameHeader.Length && FrameHeader.ReadType(d) == type && (accept is null || accept(d)));

    /// <summary>Everything that arrives within <paramref name="ms"/>.</summary>
    public List<byte[]> Drain(Action? pump, int ms)
    {
        var list = new List<byte[]>();
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms)
        {
            var d = Receive(pump, 1);
            if (d is not null) list.Add(d);
        }
        return list;
    }

    public void Dispose() => _socket.Dispose();
}

public static class Pump
{
    /// <summary>Runs <paramref name="work"/> until <paramref name="condition"/> holds; fails after the timeout.</summary>
    public static void Until(Func<bool> condition, Action work, int timeoutMs = 5000, string? what = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs) Assert.Fail($"timed out waiting for {what ?? "condition"}");
            work();
        }
    }
}
