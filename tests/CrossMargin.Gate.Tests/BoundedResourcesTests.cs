using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;

namespace CrossMargin.Gate.Tests;

/// <summary>
/// Bounded resources at the gate (issue 10): the receiver limits come from the configuration, and a hostile
/// SETUP flood on loopback (huge terms, one SETUP per session id) is refused and counted while the images
/// stay inside <c>maxTermMemoryMiB</c>, the gate lives and its state does not move.
/// </summary>
public class BoundedResourcesTests
{
    [Fact]
    public void The_default_configuration_states_the_receiver_limits()
    {
        var limits = GateConfig.LoadDefault().ReceiverLimits;
        Assert.Equal(new ReceiverLimits(16 * 1024 * 1024, 8192, 4, 256L * 1024 * 1024), limits);
        Assert.Null(limits.Problem());
    }

    [Fact]
    public void A_hostile_SETUP_flood_is_refused_counted_and_bounded_and_moves_no_state()
    {
        // Small limits so the test is cheap: 1 MiB terms at most, 2 images per stream, 8 MiB of images in all.
        var config = GateHostTests.LoopbackConfig() with { ReceiverLimits = new ReceiverLimits(1 << 20, 8192, 2, 8L << 20) };
        ulong hashBefore = config.BuildEngine().StateHash();
        using var gate = GateHost.Start(config);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var orderFlow = EndPoint(config.OrderFlow.Channel);
        int[] termLengths = [1 << 30, 256 << 20, 16 << 20, 1 << 20, 64 << 10];
        var setup = new byte[SetupFlyweight.Length];
        const int count = 3000;
        for (int i = 0; i < count; i++)
        {
            // One SETUP per session id, as the report's memory-exhaustion attack.
            new SetupFlyweight(setup).Write(0, 0, 5000 + i, config.OrderFlow.StreamId, 0, 0, termLengths[i % termLengths.Length], 1408, 0);
            socket.SendTo(setup, orderFlow);
            if (i % 200 == 199) Thread.Sleep(2); // let the gate read: the point is the bound, not socket overflow
        }
        var sw = Stopwatch.StartNew();
        long last = -1;
        while (sw.Elapsed < TimeSpan.FromSeconds(10) && gate.SetupsRefused + 2 < count)
        {
            if (gate.SetupsRefused == last && sw.Elapsed > TimeSpan.FromSeconds(3)) break; // nothing more arrives (kernel drops)
            last = gate.SetupsRefused;
            Thread.Sleep(50);
        }
        Assert.Null(gate.Fault);
        Assert.True(gate.SetupsRefused >= count * 9 / 10, $"refused {gate.SetupsRefused} of {count}");
        Assert.InRange(gate.ImageMemory, 1, 8L << 20);
        Assert.True(gate.ImageMemory <= 2 * ReceiverLimits.ImageFootprint(1 << 20));
        Assert.True(gate.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, gate.ProcessorCounters.Inputs);
        Assert.Equal(hashBefore, gate.Engine.StateHash());
    }

    private static IPEndPoint EndPoint(string channel)
    {
        string endpoint = channel[(channel.IndexOf("endpoint=", StringComparison.Ordinal) + "endpoint=".Length)..].Split('|')[0];
        return IPEndPoint.Parse(endpoint);
    }
}
