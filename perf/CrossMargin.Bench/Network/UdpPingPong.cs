using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Bench.Measure;
using CrossMargin.Bench.Report;

namespace CrossMargin.Bench.Network;

/// <summary>
/// Raw UDP ping-pong over 127.0.0.1 between two connected sockets, both sides busy-polling
/// (<see cref="Socket.Available"/>, then a non-allocating Receive) the way an Aeron conductor polls:
/// the floor for the gate's round trip over Aeron UDP on loopback. Writes fragment "udp".
/// </summary>
public static class UdpPingPong
{
    /// <summary>Payload bytes (an encoded order is of this order of size).</summary>
    public const int Payload = 96;

    /// <summary>Runs warm-up then measured trips.</summary>
    public static Fragment Run(Options o)
    {
        var f = new Fragment { Name = "udp" };
        int trips = o.Quick ? 50_000 : 200_000;
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        b.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        a.Connect(b.LocalEndPoint!);
        b.Connect(a.LocalEndPoint!);
        int total = trips + trips / 5;
        var echo = new Thread(() =>
        {
            var buf = new byte[Payload];
            for (int i = 0; i < total; i++)
            {
                Wait(b);
                int n = b.Receive(buf);
                b.Send(buf.AsSpan(0, n));
            }
        }) { IsBackground = true, Name = "bench-udp-echo" };
        echo.Start();
        var samples = new LatencySamples(trips);
        var send = new byte[Payload];
        var recv = new byte[Payload];
        GcCounts g0 = default;
        for (int i = 0; i < total; i++)
        {
            if (i == trips / 5) g0 = GcCounts.Now();
            long t0 = Stopwatch.GetTimestamp();
            BitConverter.TryWriteBytes(send, i);
            a.Send(send);
            Wait(a);
            a.Receive(recv);
            if (i >= trips / 5) samples.RecordSince(t0);
        }
        f.AddGc(GcCounts.Now().Since(g0));
        echo.Join();
        var row = f.AddLatency("udp/raw UDP RTT", samples);
        f.Figures["raw_udp_rtt_p50_ns"] = row.P50;
        f.Figures["raw_udp_rtt_p99_ns"] = row.P99;
        f.Notes.Add($"{Payload} B datagrams, {trips:N0} measured round trips, both ends busy-poll (2 threads on 2 cores)");
        Console.WriteLine($"raw UDP RTT p50 {row.P50:N0} p99 {row.P99:N0} p99.9 {row.P999:N0} max {row.Max:N0} ns");
        return f;
    }

    private static void Wait(Socket s)
    {
        while (s.Available == 0) Thread.SpinWait(1);
    }
}
