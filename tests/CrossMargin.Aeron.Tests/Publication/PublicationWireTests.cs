using System.Net;
using System.Text;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Tests.Infrastructure;

namespace CrossMargin.Aeron.Tests.Publication;

/// <summary>
/// The publication, seen from the wire by a raw peer socket. Session id and initial term id are pinned to the
/// captured ones so our datagrams can be compared byte for byte with what the C media driver sent.
/// </summary>
public class PublicationWireTests
{
    private static string Hex(byte[]? b) => b is null ? "<none>" : Convert.ToHexStringLower(b);

    private static byte[] StatusMessage(int sessionId, int streamId, int termId, int termOffset, int window, long receiverId, byte flags = 0)
    {
        byte[] sm = new byte[StatusMessageFlyweight.Length];
        new StatusMessageFlyweight(sm).Write(flags, sessionId, streamId, termId, termOffset, window, receiverId);
        return sm;
    }

    private static bool IsDataWithPayload(byte[] d) => FrameHeader.ReadType(d) is FrameType.Data or FrameType.Pad && d.Length > DataHeader.Length;

    [Fact]
    public void Unicast_lifecycle_matches_the_capture_byte_for_byte()
    {
        using var peer = new Peer();
        using var driver = new EmbeddedDriver();
        ExclusivePublication pub = driver.AddPublication(
            $"aeron:udp?endpoint=127.0.0.1:{peer.Port}|session-id=-1557839096|init-term-id=-1864278199", 1001);
        Action pump = () => driver.DoWork();

        // SETUP until the first SM, every 100 ms.
        byte[]? setup1 = peer.Receive(pump);
        Assert.Equal(Hex(Vectors.Frame("setup-unicast")), Hex(setup1));
        byte[]? setup2 = peer.Receive(pump);
        Assert.Equal(Hex(Vectors.Frame("setup-unicast")), Hex(setup2));
        Assert.Equal(PublicationResult.NotConnected, pub.Offer("Hello World! 0"u8));

        // The captured first SM connects it; a heartbeat at the join position follows.
        peer.Send(Vectors.Frame("sm-unicast-first"), pub.LocalEndPoint);
        byte[]? heartbeat = peer.Receive(pump);
        Assert.Equal(Hex(Vectors.Frame("data-heartbeat")), Hex(heartbeat));
        Assert.True(pub.IsConnected);

        Assert.Equal(64, pub.Offer("Hello World! 2"u8));
        Assert.Equal(Hex(Vectors.Frame("data-unfragmented-small")), Hex(peer.Receive(pump, accept: IsDataWithPayload)));
        Assert.Equal(128, pub.Offer("Hello World! 3"u8));
        Assert.Equal(Hex(Vectors.Frame("data-unfragmented-small-2")), Hex(peer.Receive(pump, accept: IsDataWithPayload)));

        // Close: EOS heartbeats at the final position until the receiver's EOS SM ends the linger.
        pub.Close();
        Assert.Equal(PublicationResult.Closed, pub.Offer("late"u8));
        byte[]? eos = peer.Receive(pump, accept: d => d.Length == DataHeader.Length && (FrameHeader.ReadFlags(d) & FrameFlags.EndOfStream) != 0);
        Assert.Equal(Hex(Vectors.Frame("data-heartbeat-eos")), Hex(eos));
        peer.Send(Vectors.Frame("sm-eos"), pub.LocalEndPoint);
        Pump.Until(() => driver.PublicationCount == 0, pump, what: "publication to finish after the EOS SM");
    }

    private static (EmbeddedDriver driver, ExclusivePublication pub) Connected(Peer peer, string parameters, int sessionId, int initialTermId, int window = 131072)
    {
        var driver = new EmbeddedDriver();
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{peer.Port}|session-id={sessionId}|init-term-id={initialTermId}{parameters}", 1001);
        Assert.NotNull(peer.ReceiveOfType(FrameType.Setup, () => driver.DoWork()));
        peer.Send(StatusMessage(sessionId, 1001, initialTermId, 0, window, 77), pub.LocalEndPoint);
        Pump.Until(() => pub.IsConnected, () => driver.DoWork(), what: "connection");
        return (driver, pub);
    }

    [Fact]
    public void A_3000_byte_message_is_fragmented_exactly_as_the_c_driver_does()
    {
        using var peer = new Peer();
        var (driver, pub) = Connected(peer, "", -1795755736, -1441756446);
        using var _ = driver;
        string[] names = ["data-frag-begin", "data-frag-middle", "data-frag-end"];
        byte[] message = names.SelectMany(n =>
        {
            var frame = Vectors.Frame(n);
            return frame.AsSpan(DataHeader.Length, new DataHeader(frame).FrameLength - DataHeader.Length).ToArray();
        }).ToArray();
        Assert.Equal(3000, message.Length);

        Assert.True(pub.Offer(message) > 0);
        foreach (string name in names)
        {
            Assert.Equal(Hex(Vectors.Frame(name)), Hex(peer.Receive(() => driver.DoWork(), accept: IsDataWithPayload)));
        }
    }

    [Theory]
    [InlineData(-115526926, -900928167, new[] { "data-mtu-full-1376" })]
    [InlineData(-115526925, 1170044095, new[] { "data-1377-begin", "data-1377-end" })]
    public void Messages_at_the_mtu_boundary_match_the_capture(int sessionId, int initialTermId, string[] names)
    {
        using var peer = new Peer();
        var (driver, pub) = Connected(peer, "", sessionId, initialTermId);
        using var _ = driver;
        byte[] message = names.SelectMany(n =>
        {
            var frame = Vectors.Frame(n);
            return frame.AsSpan(DataHeader.Length, new DataHeader(frame).FrameLength - DataHeader.Length).ToArray();
        }).ToArray();
        Assert.True(pub.Offer(message) > 0);
        foreach (string name in names)
        {
            Assert.Equal(Hex(Vectors.Frame(name)), Hex(peer.Receive(() => driver.DoWork(), accept: IsDataWithPayload)));
        }
    }

    [Fact]
    public void Term_end_is_padded_and_the_next_message_starts_the_next_term_as_captured()
    {
        const int sessionId = 1571186605, initialTermId = 1556574375;
        using var peer = new Peer();
        var (driver, pub) = Connected(peer, "|term-length=65536", sessionId, initialTermId, window: 32768);
        using var _ = driver;
        // The captured stream's 1000-byte payloads, in order.
        var payloads = Vectors.Pcap("unicast-pad-term-rollover")
            .Where(p => p.Destination.Port == 40123 && p.Payload.Length > DataHeader.Length && FrameHeader.ReadType(p.Payload) == FrameType.Data)
            .Select(p => (pos: LogBufferDescriptor.ComputePosition(new DataHeader(p.Payload).TermId, new DataHeader(p.Payload).TermOffset, 16, initialTermId), p.Payload))
            .DistinctBy(x => x.pos).OrderBy(x => x.pos)
            .Select(x => x.Payload.AsSpan(DataHeader.Length, 1000).ToArray()).ToList();
        Assert.True(payloads.Count >= 63);

        var received = new List<byte[]>();
        long acknowledged = 0;
        int adminActions = 0;
        void ReceiveAndAcknowledge()
        {
            // Act as the receiver: acknowledge what arrived so the window moves.
            byte[]? d = peer.Receive(() => driver.DoWork(), accept: IsDataWithPayload);
            Assert.True(d is not null, $"pos {pub.Position} sender {pub.SenderPosition} limit {pub.SenderLimit} acked {acknowledged}");
            received.Add(d);
            var h = new DataHeader(d);
            long end = LogBufferDescriptor.ComputePosition(h.TermId, h.TermOffset, 16, initialTermId) + d.Length;
            if (d.Length > 1056) end = LogBufferDescriptor.ComputePosition(h.TermId + 1, 0, 16, initialTermId); // DATA + PAD
            acknowledged = Math.Max(acknowledged, end);
            peer.Send(StatusMessage(sessionId, 1001, LogBufferDescriptor.ComputeTermIdFromPosition(acknowledged, 16, initialTermId),
                LogBufferDescriptor.ComputeTermOffsetFromPosition(acknowledged, 16), 32768, 77), pub.LocalEndPoint);
        }

        foreach (byte[] payload in payloads.Take(63))
        {
            long result;
            while ((result = pub.Offer(payload)) < 0)
            {
                if (result == PublicationResult.AdminAction) { adminActions++; continue; }
                ReceiveAndAcknowledge();
            }
        }
        while (received.Count < 63) ReceiveAndAcknowledge();

        Assert.Equal(1, adminActions);
        Assert.Contains(Hex(Vectors.Frame("data-plus-pad-term-end")), received.Select(Hex));
        Assert.Contains(Hex(Vectors.Frame("data-first-of-next-term")), received.Select(Hex));
    }

    [Fact]
    public void A_nak_is_answered_by_a_byte_identical_retransmission_and_repeats_within_the_linger_are_ignored()
    {
        using var peer = new Peer();
        var options = new DriverOptions { RetransmitLingerNs = 60_000_000_000 };
        using var driver = new EmbeddedDriver(options);
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{peer.Port}|session-id=5|init-term-id=9", 1001);
        Assert.NotNull(peer.ReceiveOfType(FrameType.Setup, () => driver.DoWork()));
        peer.Send(StatusMessage(5, 1001, 9, 0, 131072, 77), pub.LocalEndPoint);
        Pump.Until(() => pub.IsConnected, () => driver.DoWork());

        byte[] payload = new byte[200];
        for (int i = 0; i < 10; i++)
        {
            payload[0] = (byte)i;
            Assert.True(pub.Offer(payload) > 0);
        }
        var originals = new List<byte[]>();
        while (originals.Sum(o => o.Length) < 10 * 256)
        {
            byte[]? d = peer.Receive(() => driver.DoWork(), accept: IsDataWithPayload);
            Assert.NotNull(d);
            originals.Add(d);
        }

        byte[] nak = new byte[NakFlyweight.Length];
        new NakFlyweight(nak).Write(5, 1001, 9, 0, originals[0].Length);
        peer.Send(nak, pub.LocalEndPoint);
        byte[]? resent = peer.Receive(() => driver.DoWork(), accept: IsDataWithPayload);
        Assert.Equal(Hex(originals[0]), Hex(resent));

        peer.Send(nak, pub.LocalEndPoint);
        Pump.Until(() => pub.NaksReceived == 2, () => driver.DoWork());
        Assert.Equal(1, pub.RetransmitsSent);

        byte[] staleNak = new byte[NakFlyweight.Length];
        new NakFlyweight(staleNak).Write(5, 1001, 9, 10 * 256, 256); // not yet sent: ignored
        peer.Send(staleNak, pub.LocalEndPoint);
        Pump.Until(() => pub.NaksReceived == 3, () => driver.DoWork());
        Assert.Equal(1, pub.RetransmitsSent);
    }

    [Fact]
    public void An_rttm_request_is_echoed_as_the_c_driver_does()
    {
        using var peer = new Peer();
        using var driver = new EmbeddedDriver();
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{peer.Port}|session-id=-505151107", 1001);
        Assert.NotNull(peer.ReceiveOfType(FrameType.Setup, () => driver.DoWork()));
        peer.Send(Vectors.Frame("rttm-request"), pub.LocalEndPoint);
        Assert.Equal(Hex(Vectors.Frame("rttm-reply")), Hex(peer.ReceiveOfType(FrameType.RttMeasurement, () => driver.DoWork())));
    }

    [Fact]
    public void The_sender_never_passes_the_sm_position_plus_window_and_the_publisher_is_back_pressured()
    {
        using var peer = new Peer();
        var (driver, pub) = Connected(peer, "|term-length=65536", 11, 0, window: 4096);
        using var _ = driver;
        byte[] payload = new byte[96]; // 128-byte frames: 32 fill the 4096-byte window exactly
        long last = 0;
        long result;
        while ((result = pub.Offer(payload)) > 0 || result == PublicationResult.AdminAction)
        {
            last = result > 0 ? result : last;
            driver.DoWork();
        }
        Assert.Equal(PublicationResult.BackPressured, result);
        for (int i = 0; i < 100; i++) driver.DoWork();
        Assert.Equal(4096, pub.SenderPosition);
        Assert.True(last >= 32768);

        peer.Send(StatusMessage(11, 1001, 0, 4096, 4096, 77), pub.LocalEndPoint);
        Pump.Until(() => pub.SenderPosition == 8192, () => driver.DoWork(), what: "window to open by one SM");
    }

    [Fact]
    public void An_sm_asking_for_setup_gets_a_setup_at_the_current_position()
    {
        using var peer = new Peer();
        var (driver, pub) = Connected(peer, "", 21, 100);
        using var _ = driver;
        Assert.True(pub.Offer(new byte[160]) > 0);
        Pump.Until(() => pub.SenderPosition == 192, () => driver.DoWork());
        peer.Send(StatusMessage(21, 1001, 0, 0, 0, 99, FrameFlags.SendSetup), pub.LocalEndPoint);
        byte[]? setup = peer.ReceiveOfType(FrameType.Setup, () => driver.DoWork());
        Assert.NotNull(setup);
        var s = new SetupFlyweight(setup);
        Assert.Equal(192, s.TermOffset);
        Assert.Equal(100, s.ActiveTermId);
        Assert.Equal(100, s.InitialTermId);
    }

    [Fact]
    public void A_claimed_frame_is_only_sent_after_commit()
    {
        using var peer = new Peer();
        var (driver, pub) = Connected(peer, "", 31, 0);
        using var _ = driver;
        long result = pub.TryClaim(12, out BufferClaim claim);
        Assert.Equal(64, result);
        "claimed-data"u8.CopyTo(claim.Buffer);
        for (int i = 0; i < 20; i++) driver.DoWork();
        Assert.Equal(0, pub.SenderPosition);
        claim.Commit();
        byte[]? d = peer.Receive(() => driver.DoWork(), accept: IsDataWithPayload);
        Assert.NotNull(d);
        Assert.Equal("claimed-data", Encoding.ASCII.GetString(d.AsSpan(DataHeader.Length, 12)));
        Assert.Equal(FrameFlags.Unfragmented, new DataHeader(d).Flags);
    }

    [Fact]
    public void Setup_repeats_every_100_ms_until_connected_then_heartbeats_every_100_ms_when_idle()
    {
        using var peer = new Peer();
        using var driver = new EmbeddedDriver();
        long now = 5_000_000_000;
        driver.Clock = () => now;
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{peer.Port}|session-id=3|init-term-id=4", 1001);
        Action pump = () => driver.DoWork();
        Assert.NotNull(peer.ReceiveOfType(FrameType.Setup, pump));

        now += 99_000_000;
        Assert.Empty(peer.Drain(pump, 30));
        now += 1_000_000;
        Assert.NotNull(peer.ReceiveOfType(FrameType.Setup, pump));

        peer.Send(StatusMessage(3, 1001, 4, 0, 131072, 77), pub.LocalEndPoint);
        byte[]? heartbeat = peer.Receive(pump);
        Assert.NotNull(heartbeat);
        Assert.True(DataHeader.IsHeartbeat(heartbeat));
        now += 99_000_000;
        Assert.Empty(peer.Drain(pump, 30)); // no SETUP once connected, no heartbeat before 100 ms
        now += 1_000_000;
        Assert.True(DataHeader.IsHeartbeat(peer.Receive(pump)!));
    }
}
