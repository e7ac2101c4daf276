using System.Net;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Driver.Sender;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Tests.Infrastructure;
using CrossMargin.Aeron.Transport;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron.Tests.Subscription;

/// <summary>
/// Bounded resources (issue 10): a SETUP names the term length the receiver allocates, so the receiver checks
/// it (and the MTU, the image count and the driver's image memory) before it allocates anything.
/// </summary>
public class ReceiverLimitsTests
{
    private const int StreamId = 1001;
    private static readonly long Footprint64K = ReceiverLimits.ImageFootprint(64 * 1024);

    private static byte[] Setup(int sessionId, int termLength, int mtu = 1408, int streamId = StreamId, int termOffset = 0) =>
        TestFrames.Setup(sessionId, streamId, termLength, mtu, termOffset);

    private static DriverOptions Options(ReceiverLimits limits) => new() { ReceiverLimits = limits, PreTouchTermBuffers = false };

    [Fact]
    public void A_1_GiB_term_length_SETUP_over_udp_is_refused_and_counted_and_the_driver_carries_on()
    {
        // The reported crash: one 40-byte SETUP asking for 1 GiB terms (3 GiB of log; OverflowException before).
        using var driver = new EmbeddedDriver();
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
        using var peer = new Peer();
        foreach (int termLength in new[] { LogBufferDescriptor.TermMaxLength, 256 * 1024 * 1024, 32 * 1024 * 1024 })
        {
            long before = sub.DatagramsReceived;
            peer.Send(Setup(sessionId: termLength, termLength), sub.LocalEndPoint);
            Pump.Until(() => sub.DatagramsReceived > before, () => driver.DoWork());
        }

        Assert.Equal(3, sub.SetupsRefused[SetupRefusal.TermLength]);
        Assert.Equal(3, sub.SetupsRefused.Total);
        Assert.Equal(0, sub.ImageCount);
        Assert.Equal(0, driver.ImageMemory);

        // A SETUP inside the limits still makes an image: the refusals changed nothing.
        var pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}|term-length=64k", StreamId);
        Pump.Until(() => pub.IsConnected && sub.IsConnected, () => driver.DoWork());
        Assert.Equal(Footprint64K, driver.ImageMemory);
    }

    [Fact]
    public void A_SETUP_per_session_id_stops_at_the_image_limit()
    {
        using var driver = new EmbeddedDriver(Options(ReceiverLimits.Default with { MaxImagesPerSubscription = 3 }));
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
        var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
        for (int session = 1; session <= 500; session++)
        {
            sub.Endpoint.Dispatch(Setup(session, 64 * 1024), source, 0);
        }
        Assert.Equal(3, sub.ImageCount);
        Assert.Equal(497, sub.SetupsRefused[SetupRefusal.ImageCount]);
        Assert.Equal(3 * Footprint64K, driver.ImageMemory);
    }

    [Fact]
    public void An_MTU_above_the_limit_is_refused()
    {
        using var driver = new EmbeddedDriver(Options(ReceiverLimits.Default with { MaxMtu = 8192 }));
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
        var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
        sub.Endpoint.Dispatch(Setup(1, 64 * 1024, mtu: 8193), source, 0);
        sub.Endpoint.Dispatch(Setup(2, 64 * 1024, mtu: 8192), source, 0);
        Assert.Equal(1, sub.SetupsRefused[SetupRefusal.Mtu]);
        Assert.Equal(1, sub.ImageCount);
        Assert.Equal(2, sub.ImageAt(0).SessionId);
    }

    [Fact]
    public void Term_memory_is_shared_by_every_subscription_and_returned_when_an_image_goes()
    {
        long now = 0;
        using var driver = new EmbeddedDriver(Options(ReceiverLimits.Default with { MaxTermMemory = 2 * Footprint64K }));
        driver.Clock = () => now;
        Sub a = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1);
        Sub b = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 2);
        var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
        a.Endpoint.Dispatch(Setup(10, 64 * 1024, streamId: 1), source, now);
        b.Endpoint.Dispatch(Setup(20, 64 * 1024, streamId: 2), source, now);
        b.Endpoint.Dispatch(Setup(21, 64 * 1024, streamId: 2), source, now);
        Assert.Equal(1, b.SetupsRefused[SetupRefusal.TermMemory]);
        Assert.Equal(2 * Footprint64K, driver.ImageMemory);

        now += driver.Options.ImageLivenessTimeoutNs + 1; // both images go silent and time out
        driver.DoWork();
        Assert.Equal(0, a.ImageCount + b.ImageCount);
        // Their bytes come back once the logs are collected (the SETUP forces that, rate-limited), never before.
        b.Endpoint.Dispatch(Setup(21, 64 * 1024, streamId: 2), source, now);
        Assert.Equal(1, b.ImageCount);
        Assert.Equal(Footprint64K, driver.ImageMemory);

        driver.RemoveSubscription(b);
        GC.Collect();
        a.Endpoint.Dispatch(Setup(11, 64 * 1024, streamId: 1), source, now); // a reservation reaps what was collected
        Assert.Equal(Footprint64K, driver.ImageMemory);
    }

    [Fact]
    public void Images_that_time_out_and_are_replaced_again_and_again_never_stack_up_past_the_budget()
    {
        // The churn attack: hostile images go silent, time out, and new SETUPs replace them. Each round's
        // logs are garbage until collected; the budget counts them until then, so the bound holds.
        long now = 0;
        using var driver = new EmbeddedDriver(Options(ReceiverLimits.Default with { MaxTermMemory = 3 * Footprint64K, MaxImagesPerSubscription = 8 }));
        driver.Clock = () => now;
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
        var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
        int session = 0;
        for (int round = 0; round < 20; round++)
        {
            for (int k = 0; k < 5; k++) sub.Endpoint.Dispatch(Setup(++session, 64 * 1024), source, now);
            Assert.InRange(driver.ImageMemory, 0, 3 * Footprint64K);
            Assert.Equal(3, sub.ImageCount); // collection was forced when the budget was short: each round gets its images
            now += driver.Options.ImageLivenessTimeoutNs + 1;
            driver.DoWork();
        }
        Assert.Equal(20 * 2, sub.SetupsRefused[SetupRefusal.TermMemory]);
    }

    [Theory]
    [InlineData(1000, 1408, 4, 1L << 30)]           // term length not a power of two
    [InlineData(1 << 16, 16, 4, 1L << 30)]           // MTU not above a data header
    [InlineData(1 << 16, 1408, 0, 1L << 30)]         // no image at all
    [InlineData(1 << 16, 1408, 4, 1024)]             // not even one smallest image
    public void Unusable_limits_are_refused_when_the_driver_starts(int maxTermLength, int maxMtu, int images, long memory)
    {
        var options = Options(new ReceiverLimits(maxTermLength, maxMtu, images, memory));
        var ex = Assert.Throws<ArgumentException>(() => new EmbeddedDriver(options));
        Assert.Contains("receiver limits", ex.Message);
    }

    /// <summary>A SETUP whose fields come from the edges an attacker would pick, plus plausible ones.</summary>
    private static readonly Gen<byte[]> HostileSetup =
        from session in Gen.Choose(1, 40)
        from stream in Gen.Elements(StreamId, StreamId, StreamId, 99)
        from termLength in Gen.Elements(0, -1, int.MinValue, int.MaxValue, 1000, 32 * 1024, 64 * 1024, 128 * 1024, 256 * 1024, 1 << 20,
            16 << 20, 256 << 20, LogBufferDescriptor.TermMaxLength)
        from mtu in Gen.Elements(-1, 0, 32, 33, 1408, 8192, 8193, 65504, 65505, int.MaxValue)
        from termOffset in Gen.Elements(0, 0, 32, 33, -32, 64 * 1024, int.MaxValue)
        select Setup(session, termLength, mtu, stream, termOffset);

    [Property(MaxTest = 100)]
    public Property Any_SETUP_stream_keeps_images_and_memory_within_the_limits_and_counts_every_refusal() =>
        Prop.ForAll(Gen.ListOf(HostileSetup).Select(l => l.ToArray()).ToArbitrary(), setups =>
        {
            var limits = new ReceiverLimits(256 * 1024, 8192, 3, 5 * Footprint64K);
            using var driver = new EmbeddedDriver(Options(limits));
            Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
            var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
            long forUs = 0, duplicates = 0;
            foreach (byte[] setup in setups)
            {
                var s = new SetupFlyweight(setup);
                if (s.StreamId == StreamId)
                {
                    forUs++;
                    if (sub.FindImage(s.SessionId) is not null) duplicates++;
                }
                sub.Endpoint.Dispatch(setup, source, 0);
                long held = 0;
                for (int i = 0; i < sub.ImageCount; i++) held += ReceiverLimits.ImageFootprint(sub.ImageAt(i).TermLength);
                if (sub.ImageCount > limits.MaxImagesPerSubscription || driver.ImageMemory != held || held > limits.MaxTermMemory) return false;
            }
            // Every SETUP for this stream made an image, met an existing one, or was refused and counted.
            return forUs == sub.ImageCount + duplicates + sub.SetupsRefused.Total;
        });
}

/// <summary>Regression tests for what the receive-path fuzzing found.</summary>
public class ReceivePathFindingTests
{
    [Fact]
    public void A_SETUP_whose_active_term_is_before_the_initial_term_is_refused_so_no_negative_position_reaches_the_poller()
    {
        // Found by the aeron-receive fuzz target: active term id < initial term id gave a negative join
        // position; Poll then cleaned partition (t % 3) < 0 and threw ArgumentOutOfRangeException out of the
        // gate's network thread.
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false });
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1001);
        var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
        const int initialTermId = 5, activeTermId = 4, termLength = 64 * 1024;
        byte[] setup = new byte[SetupFlyweight.Length];
        new SetupFlyweight(setup).Write(0, termLength - 64, 7, 1001, initialTermId, activeTermId, termLength, 1408, 0);
        sub.Endpoint.Dispatch(setup, source, 0);

        // The stream the SETUP describes: a 64-byte frame at the end of the active term, then one in the next.
        byte[] Data(int termId, int termOffset)
        {
            byte[] d = new byte[64];
            new DataHeader(d).Write(64, FrameFlags.Unfragmented, FrameType.Data, termOffset, 7, 1001, termId);
            return d;
        }
        sub.Endpoint.Dispatch(Data(activeTermId, termLength - 64), source, 0);
        sub.Endpoint.Dispatch(Data(initialTermId, 0), source, 0);
        int delivered = sub.Poll((_, in _) => { }, 10);

        Assert.Equal(0, sub.ImageCount);
        Assert.Equal(0, delivered);
        Assert.Equal(1, sub.SetupsRefused[SetupRefusal.Malformed]);
    }
}

public class OverlappingDatagramFindingTests
{
    private static byte[] Setup(int mtu = 1408)
    {
        byte[] setup = new byte[SetupFlyweight.Length];
        new SetupFlyweight(setup).Write(0, 0, 7, 1001, 0, 0, 64 * 1024, mtu, 0);
        return setup;
    }

    private static byte[] Frame(int termOffset, int frameLength, byte flags = FrameFlags.Unfragmented, int datagramLength = 0)
    {
        byte[] d = new byte[Math.Max(datagramLength, ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment))];
        new DataHeader(d).Write(frameLength, flags, FrameType.Data, termOffset, 7, 1001, 0);
        return d;
    }

    [Fact]
    public void A_first_fragment_longer_than_the_largest_message_is_dropped_not_thrown()
    {
        // MTU 65504 with 64 KiB terms: a BEGIN fragment's payload is longer than the reassembly buffer (term / 8).
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false });
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1001);
        var source = SocketAddressV4.From(new IPEndPoint(IPAddress.Loopback, 9));
        sub.Endpoint.Dispatch(Setup(mtu: ProtocolConstants.MaxMtu), source, 0);
        sub.Endpoint.Dispatch(Frame(0, 20_000, FrameFlags.Begin), source, 0);
        sub.Endpoint.Dispatch(Frame(20_000 + 32 - 20_000 % 32, 64, FrameFlags.End), source, 0);
        var ex = Record.Exception(() => sub.Poll((_, in _) => Assert.Fail("a message too long to reassemble was delivered"), 10));
        Assert.Null(ex);
        Assert.Equal(1, sub.ImageCount);
    }
}
