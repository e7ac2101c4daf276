using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Tests.Infrastructure;
using CrossMargin.Aeron.Tests.Loopback;
using CrossMargin.Aeron.Tests.Subscription;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron.Tests.Multicast;

/// <summary>
/// Real multicast between two network namespaces the test creates (publisher host 10.a.b.1, subscriber host
/// 10.a.b.2, joined by a veth pair). Reported as skipped, with the reason, where namespaces are unavailable.
/// </summary>
public sealed class MulticastNamespaceTests(NetworkNamespaces net) : IClassFixture<NetworkNamespaces>
{
    private const string Group = "224.0.1.1";
    private const string ControlGroup = "224.0.1.2";

    private string Channel(string iface, int port) => $"aeron:udp?endpoint={Group}:{port}|interface={iface}|term-length=64k";

    private static int Port() => Random.Shared.Next(30000, 60000);

    [SkippableFact]
    public void Multicast_across_namespaces_delivers_every_message_and_repairs_loss_via_the_control_group()
    {
        SkipException.If(net.SkipReason is not null, net.SkipReason!);
        int port = Port();
        using var subscriberHost = new EmbeddedDriver();
        using var publisherHost = new EmbeddedDriver();
        Sub sub = net.InNamespace(net.NamespaceB, () => subscriberHost.AddSubscription(Channel(net.AddressB, port), 1001));
        ExclusivePublication pub = net.InNamespace(net.NamespaceA, () => publisherHost.AddPublication(Channel(net.AddressA, port), 1001));
        void PumpBoth()
        {
            publisherHost.DoWork();
            subscriberHost.DoWork();
        }
        Pump.Until(() => pub.IsConnected && sub.IsConnected, PumpBoth, what: "multicast connection");

        int seen = 0;
        sub.ReceiveDropHook = d => d.Length > DataHeader.Length && FrameHeader.ReadType(d) == FrameType.Data && ++seen % 11 == 0 && seen < 2000;

        var checker = new SequenceChecker();
        byte[] buffer = new byte[8192];
        const long count = 20_000;
        long next = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (checker.Expected < count)
        {
            next = SequenceChecker.OfferBurst(pub, buffer, next, count, 32);
            PumpBoth();
            sub.Poll(ref checker, 256);
            if (sw.ElapsedMilliseconds > 60_000) Assert.Fail($"timed out at {checker.Expected}");
        }
        Assert.Null(checker.FirstError);
        Assert.True(sub.ImageAt(0).NaksSent > 0);
        Assert.True(pub.RetransmitsSent > 0);
    }

    [SkippableFact]
    public void Captured_multicast_session_replayed_to_the_group_yields_its_messages_and_sms_reach_the_control_group()
    {
        SkipException.If(net.SkipReason is not null, net.SkipReason!);
        int port = Port();
        using var driver = new EmbeddedDriver();
        Sub sub = net.InNamespace(net.NamespaceB, () => driver.AddSubscription(Channel(net.AddressB, port), 1001));
        // The "C publisher": one socket sending the captured datagrams to the data group, one listening on the control group.
        using var sender = net.InNamespace(net.NamespaceA, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Parse(net.AddressA), 0));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Parse(net.AddressA).GetAddressBytes());
            return s;
        });
        using var control = net.InNamespace(net.NamespaceA, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(new IPEndPoint(IPAddress.Parse(ControlGroup), port));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(IPAddress.Parse(ControlGroup), IPAddress.Parse(net.AddressA)));
            return s;
        });

        var toGroup = Vectors.Pcap("multicast-late-join").Where(p => p.Destination.Address.ToString() == Group).ToList();
        var setup = new SetupFlyweight(toGroup[0].Payload);
        var expected = ReplayHarness.CapturedMessages(toGroup, setup.InitialTermId, setup.TermLength);
        var messages = new List<string>();
        var groupDestination = new IPEndPoint(IPAddress.Parse(Group), port);
        foreach (var packet in toGroup)
        {
            long before = sub.DatagramsReceived;
            sender.SendTo(packet.Payload, groupDestination);
            Pump.Until(() => sub.DatagramsReceived > before, () =>
            {
                driver.DoWork();
                sub.Poll((b, in h) => messages.Add(Convert.ToHexStringLower(b)), 10);
            }, what: "replayed multicast datagram");
        }
        Pump.Until(() => messages.Count == expected.Count, () =>
        {
            driver.DoWork();
            sub.Poll((b, in h) => messages.Add(Convert.ToHexStringLower(b)), 10);
        });
        Assert.Equal(expected.Select(e => Convert.ToHexStringLower(e.Payload)), messages);

        byte[] received = new byte[1500];
        control.ReceiveTimeout = 2000;
        int n = control.Receive(received);
        byte[] expectedSm = Vectors.Frame("sm-multicast");
        BinaryPrimitives.WriteInt64LittleEndian(expectedSm.AsSpan(StatusMessageFlyweight.ReceiverIdOffset), sub.ReceiverId);
        Assert.Equal(Convert.ToHexStringLower(expectedSm), Convert.ToHexStringLower(received.AsSpan(0, n)));
    }

    [SkippableFact]
    public void Multicast_publication_frames_match_the_capture_byte_for_byte()
    {
        SkipException.If(net.SkipReason is not null, net.SkipReason!);
        int port = Port();
        using var driver = new EmbeddedDriver();
        // Session and initial term id pinned to the captured publication so the frames can be compared exactly.
        ExclusivePublication pub = net.InNamespace(net.NamespaceA, () => driver.AddPublication(
            $"aeron:udp?endpoint={Group}:{port}|interface={net.AddressA}|session-id=2102726822|init-term-id=1475700229", 1001));
        // The "C subscriber host": listens on the data group, answers on the control group.
        using var listener = net.InNamespace(net.NamespaceB, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(new IPEndPoint(IPAddress.Parse(Group), port));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(IPAddress.Parse(Group), IPAddress.Parse(net.AddressB)));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Parse(net.AddressB).GetAddressBytes());
            s.Blocking = false;
            return s;
        });
        byte[] buffer = new byte[2048];
        byte[] Next(Func<byte[], bool> accept)
        {
            byte[]? found = null;
            Pump.Until(() => found is not null, () =>
            {
                driver.DoWork();
                while (listener.Available > 0)
                {
                    int n = listener.Receive(buffer);
                    byte[] d = buffer[..n];
                    if (found is null && accept(d)) found = d;
                }
            }, what: "multicast frame");
            return found!;
        }

        Assert.Equal(Convert.ToHexStringLower(Vectors.Frame("setup-multicast")), Convert.ToHexStringLower(Next(_ => true)));
        listener.SendTo(Vectors.Frame("sm-multicast"), new IPEndPoint(IPAddress.Parse(ControlGroup), port));
        Pump.Until(() => pub.IsConnected, () => driver.DoWork(), what: "SM via the control group");
        Assert.True(pub.Offer("Hello World! 1"u8) > 0);
        Assert.Equal(Convert.ToHexStringLower(Vectors.Frame("data-multicast")), Convert.ToHexStringLower(Next(d => d.Length > DataHeader.Length)));
    }
}
