using System.Net;
using System.Net.Sockets;

namespace CrossMargin.Tests.Shared;

/// <summary>
/// Free UDP ports on 127.0.0.1 for tests, taken from 20000–32767: below the kernel's ephemeral range
/// (32768–60999), so a socket another test binds to port 0 in the meantime can never be handed a
/// port chosen here (a port from bind(0) can, which once let two parallel tests meet). Each process
/// starts at its own offset and counts up; each port is probed free when chosen. Compiled into every
/// test project that needs it (linked source, not a library of its own).
/// </summary>
internal static class LoopbackPorts
{
    private const int Low = 20000, High = 32768;
    private static int _next = Environment.ProcessId * 1031 % (High - Low);

    /// <summary><paramref name="count"/> distinct ports, each free when chosen.</summary>
    public static int[] Free(int count)
    {
        var ports = new int[count];
        for (int i = 0; i < count; i++)
        {
            while (true)
            {
                int port = Low + (int)((uint)Interlocked.Increment(ref _next) % (uint)(High - Low));
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                try { probe.Bind(new IPEndPoint(IPAddress.Loopback, port)); }
                catch (SocketException) { continue; } // in use: take the next
                ports[i] = port;
                break;
            }
        }
        return ports;
    }
}
