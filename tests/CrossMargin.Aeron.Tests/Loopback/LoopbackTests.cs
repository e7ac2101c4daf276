using CrossMargin.Tests.Shared;
using System.Buffers.Binary;
using System.Diagnostics;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Tests.Infrastructure;
using CrossMargin.Aeron.Uri;
using Xunit.Abstractions;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron.Tests.Loopback;

/// <summary>Checks every message: sequence number in the first 8 bytes, length and content derived from it.</summary>
public struct SequenceChecker : IFragmentHandler
{
    public long Expected;
    public long Errors;
    public string? FirstError;

    public static int LengthOf(long sequence) => (sequence % 1000) switch
    {
        0 => 3000 + (int)(sequence / 1000 % 5) * 700,   // fragmented (up to 5800 bytes, 5 frames)
        < 10 => 1344,
        < 100 => 288,
        _ => 8 + (int)(sequence * 37 % 57),             // small, odd lengths
    };

    public static void Fill(Span<byte> buffer, long sequence)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer, sequence);
        for (int i = 8; i < buffer.Length; i++) buffer[i] = (byte)(sequence + i);
    }

    /// <summary>Offers messages <paramref name="next"/>… (up to <paramref name="burst"/>, below <paramref name="count"/>) until back-pressured; returns the next to offer.</summary>
    public static long OfferBurst(ExclusivePublication pub, byte[] buffer, long next, long count, int burst)
    {
        for (int i = 0; i < burst && next < count; i++)
        {
            int length = LengthOf(next);
            Fill(buffer.AsSpan(0, length), next);
            long result = pub.Offer(buffer.AsSpan(0, length));
            if (result > 0) next++;
            else if (result != PublicationResult.AdminAction) break;
        }
        return next;
    }

    public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
    {
        long sequence = buffer.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : -1;
        bool ok = sequence == Expected && buffer.Length == LengthOf(sequence);
        for (int i = 8; ok && i < buffer.Length; i++) ok = buffer[i] == (byte)(sequence + i);
        if (!ok)
        {
            Errors++;
            FirstError ??= $"expected #{Expected} ({LengthOf(Expected)} B), got #{sequence} ({buffer.Length} B)";
        }
        Expected = sequence + 1;
    }
}

public sealed class LoopbackTests(ITestOutputHelper output)
{
    private static (EmbeddedDriver, ExclusivePublication, Sub) Connect(string pubParams = "|term-length=1m", DriverOptions? options = null, int streamId = 1001)
    {
        var driver = new EmbeddedDriver(options);
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", streamId);
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}{pubParams}", streamId);
        Pump.Until(() => pub.IsConnected && sub.IsConnected, () => driver.DoWork(), what: "connection");
        return (driver, pub, sub);
    }

    /// <summary>Offers and polls on one thread until <paramref name="count"/> messages arrived; returns the checker.</summary>
    private static SequenceChecker Run(EmbeddedDriver driver, ExclusivePublication pub, Sub sub, long count, int timeoutMs = 120_000)
    {
        var checker = new SequenceChecker();
        byte[] buffer = new byte[8192];
        long next = 0;
        var sw = Stopwatch.StartNew();
        while (checker.Expected < count)
        {
            next = SequenceChecker.OfferBurst(pub, buffer, next, count, 64);
            driver.DoWork();
            sub.Poll(ref checker, 256);
            if (sw.ElapsedMilliseconds > timeoutMs) Assert.Fail($"timed out at {checker.Expected}/{count}");
        }
        return checker;
    }

    [Fact]
    public void One_million_mixed_size_messages_arrive_none_lost_duplicated_or_reordered()
    {
        var (driver, pub, sub) = Connect();
        using var _ = driver;
        const long count = 1_000_000;
        var sw = Stopwatch.StartNew();
        SequenceChecker checker = Run(driver, pub, sub, count);
        output.WriteLine($"{count:N0} messages, {pub.Position / 1e6:F1} MB of log in {sw.ElapsedMilliseconds} ms; NAKs {sub.ImageAt(0).NaksSent}, retransmits {pub.RetransmitsSent}");
        Assert.Null(checker.FirstError);
        Assert.Equal(0, checker.Errors);
        Assert.Equal(count, checker.Expected);
        Assert.Equal(pub.Position, sub.ImageAt(0).Position);
    }

    [Fact]
    public void Injected_loss_is_repaired_by_nak_and_retransmit()
    {
        var (driver, pub, sub) = Connect("|term-length=64k");
        using var _ = driver;
        // Drop every 29th data datagram the first time its position is seen (retransmissions get through).
        var droppedOnce = new HashSet<(int, int)>();
        int dataSeen = 0;
        sub.ReceiveDropHook = datagram =>
        {
            if (datagram.Length <= DataHeader.Length || FrameHeader.ReadType(datagram) != FrameType.Data) return false;
            var key = (BinaryPrimitives.ReadInt32LittleEndian(datagram[DataHeader.TermIdOffset..]), BinaryPrimitives.ReadInt32LittleEndian(datagram[DataHeader.TermOffsetOffset..]));
            return ++dataSeen % 29 == 0 && droppedOnce.Add(key);
        };

        var sw = Stopwatch.StartNew();
        SequenceChecker checker = Run(driver, pub, sub, 20_000);
        output.WriteLine($"{sw.ElapsedMilliseconds} ms; dropped {droppedOnce.Count}, NAKs {sub.ImageAt(0).NaksSent}, retransmits {pub.RetransmitsSent}");
        Assert.Null(checker.FirstError);
        Assert.True(droppedOnce.Count > 20);
        Assert.True(sub.ImageAt(0).NaksSent > 0);
        Assert.True(pub.RetransmitsSent > 0);
    }

    /// <summary>
    /// 5 % loss on a unicast stream, on a simulated clock (5 µs per duty cycle, so the bound does not
    /// depend on the machine): every gap is repaired within the C driver's delays, i.e. one unicast
    /// NAK delay plus a few duty cycles, because the resend follows the NAK in the same cycle even
    /// while an earlier, different range is still lingering (the single unicast action is reused).
    /// </summary>
    [Fact]
    public void Unicast_loss_repair_takes_one_nak_delay_per_gap_not_a_retransmit_linger()
    {
        long now = 1_000_000_000;
        var options = new DriverOptions();
        var driver = new EmbeddedDriver(options) { Clock = () => now };
        using var _ = driver;
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1001);
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}|term-length=64k", 1001);
        Pump.Until(() => pub.IsConnected && sub.IsConnected, () => { now += 5_000; driver.DoWork(); }, what: "connection");

        // Drop every 20th data datagram the first time its position is seen (5 %; resends get through).
        var dropped = new List<(long Position, long AtNs)>();
        var seen = new HashSet<long>();
        int dataSeen = 0;
        var image = sub.ImageAt(0);
        sub.ReceiveDropHook = datagram =>
        {
            if (datagram.Length <= DataHeader.Length || FrameHeader.ReadType(datagram) != FrameType.Data) return false;
            int termId = BinaryPrimitives.ReadInt32LittleEndian(datagram[DataHeader.TermIdOffset..]);
            int termOffset = BinaryPrimitives.ReadInt32LittleEndian(datagram[DataHeader.TermOffsetOffset..]);
            long position = LogBufferDescriptor.ComputePosition(termId, termOffset, image.PositionBitsToShift, image.InitialTermId);
            if (++dataSeen % 20 != 0 || !seen.Add(position)) return false;
            dropped.Add((position, now));
            return true;
        };

        var checker = new SequenceChecker();
        var repairNs = new List<long>();
        byte[] buffer = new byte[8192];
        long next = 0, count = 20_000;
        int repaired = 0;
        while (checker.Expected < count)
        {
            next = SequenceChecker.OfferBurst(pub, buffer, next, count, 8);
            now += 5_000;
            driver.DoWork();
            sub.Poll(ref checker, 256);
            for (; repaired < dropped.Count && image.Position > dropped[repaired].Position; repaired++) repairNs.Add(now - dropped[repaired].AtNs);
            Assert.True(now < 1_000_000_000 + 60_000_000_000L, $"stuck at {checker.Expected}/{count}");
        }

        repairNs.Sort();
        long nakDelay = UdpChannel.Parse("aeron:udp?endpoint=127.0.0.1:1").NakDelayNs;
        output.WriteLine($"{dropped.Count} gaps; repair median {repairNs[repairNs.Count / 2] / 1000} µs, max {repairNs[^1] / 1000} µs (simulated); " +
            $"NAKs {image.NaksSent}, covered {pub.NaksCovered}, retransmits {pub.RetransmitsSent}; NAK delay {nakDelay / 1000} µs");
        Assert.Null(checker.FirstError);
        Assert.True(dropped.Count >= 50, $"only {dropped.Count} gaps");
        Assert.Equal(dropped.Count, repairNs.Count);
        // The C driver's delays (NAK delay + retransmit delay 0) plus detection, the NAK's and the
        // resend's duty cycles and delivery: tens of 5 µs cycles, far below one 10 ms retransmit linger.
        Assert.True(repairNs[^1] <= nakDelay + options.RetransmitDelayNs + 40 * 5_000, $"slowest repair {repairNs[^1] / 1000} µs");
        Assert.True(image.NaksSent <= dropped.Count + dropped.Count / 10, $"{image.NaksSent} NAKs for {dropped.Count} gaps");
    }

    [Fact]
    public void Consumed_log_is_cleaned_incrementally_a_bounded_slice_per_duty_cycle_never_past_a_term_end()
    {
        var options = new DriverOptions { TermCleanBytesPerCycle = 4096, ReceiveBatchLimit = 2 };
        var (driver, pub, sub) = Connect("|term-length=64k|mtu=1408", options);
        using var _ = driver;
        var image = sub.ImageAt(0);
        const int termLength = 64 * 1024;
        byte[] message = new byte[1000];
        int delivered = 0, rotations = 0;
        long lastClean = image.CleanPosition;
        var handler = new DelegateFragmentHandler((ReadOnlySpan<byte> b, in FragmentHeader h) => delivered++);
        for (int cycle = 0; cycle < 20_000 && (delivered < 400 || image.CleanPosition < image.Position); cycle++)
        {
            if (pub.Position < 400 * 1056 && pub.Offer(message) == PublicationResult.AdminAction) pub.Offer(message);
            driver.DoWork();
            sub.Poll(ref handler, 8);
            long clean = image.CleanPosition;
            Assert.True(clean - lastClean <= options.TermCleanBytesPerCycle, $"cleaned {clean - lastClean} bytes in one cycle");
            Assert.True(clean <= image.Position, "cleaned beyond what was consumed");
            if (clean != lastClean && (lastClean & (termLength - 1)) != 0)
                Assert.True(lastClean / termLength == (clean - 1) / termLength, "a slice crossed a term end");
            if (clean / termLength != lastClean / termLength) rotations++;
            lastClean = clean;
        }
        Assert.Equal(400, delivered);
        Assert.True(rotations >= 5, $"only {rotations} term rotations");
        Assert.Equal(image.Position, image.CleanPosition);
        // Everything consumed in the partitions behind the subscriber is zero again (the current term up to the position too).
        long termBegin = image.Position - (image.Position & (termLength - 1));
        int index = (int)(image.Position / termLength % 3);
        Assert.True(image.RawLog.Slice(index * termLength, (int)(image.Position - termBegin)).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(0, image.DirtyPartitionDrops);
    }

    [Fact]
    public void Tail_loss_is_found_through_the_heartbeat_and_repaired()
    {
        var (driver, pub, sub) = Connect("|term-length=64k");
        using var _ = driver;
        bool dropNext = true;
        sub.ReceiveDropHook = datagram =>
        {
            if (!dropNext || datagram.Length <= DataHeader.Length || FrameHeader.ReadType(datagram) != FrameType.Data) return false;
            dropNext = false;
            return true;
        };
        Assert.True(pub.Offer("only message"u8) > 0);
        var received = new List<string>();
        Pump.Until(() => received.Count == 1, () =>
        {
            driver.DoWork();
            sub.Poll((b, in h) => received.Add(System.Text.Encoding.ASCII.GetString(b)), 10);
        }, what: "heartbeat-driven NAK repair");
        Assert.Equal("only message", received[0]);
        Assert.Equal(1, pub.RetransmitsSent);
    }

    [Fact]
    public void Several_publishers_become_separate_images_of_one_subscription()
    {
        using var driver = new EmbeddedDriver();
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 7);
        var available = new List<ImageInfo>();
        sub.OnAvailableImage = available.Add;
        var pubs = Enumerable.Range(0, 3).Select(_ => driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}|term-length=64k", 7)).ToList();
        Pump.Until(() => pubs.All(p => p.IsConnected), () => driver.DoWork());
        Assert.Equal(3, sub.ImageCount);
        Assert.Equal(pubs.Select(p => p.SessionId).Order(), available.Select(a => a.SessionId).Order());

        var bySession = new Dictionary<int, List<long>>();
        for (long i = 0; i < 300; i++)
        {
            byte[] m = BitConverter.GetBytes(i);
            while (pubs[(int)(i % 3)].Offer(m) < 0) driver.DoWork();
        }
        Pump.Until(() => bySession.Values.Sum(l => l.Count) == 300, () =>
        {
            driver.DoWork();
            sub.Poll((b, in h) =>
            {
                if (!bySession.TryGetValue(h.SessionId, out var l)) bySession[h.SessionId] = l = [];
                l.Add(BitConverter.ToInt64(b));
            }, 50);
        });
        foreach (var pub in pubs)
        {
            Assert.Equal(Enumerable.Range(0, 100).Select(k => (long)(k * 3 + pubs.IndexOf(pub))), bySession[pub.SessionId]);
        }
    }

    [Fact]
    public void Subscriptions_to_different_streams_on_one_endpoint_share_its_socket()
    {
        using var driver = new EmbeddedDriver();
        int port = FreeLoopbackPort(); // a fixed port so both subscriptions name the same endpoint
        string channel = $"aeron:udp?endpoint=127.0.0.1:{port}";
        Sub ticks = driver.AddSubscription(channel, 1);
        Sub fills = driver.AddSubscription(channel, 2);
        Assert.Equal(ticks.ReceiverId, fills.ReceiverId);
        Assert.Equal(ticks.LocalEndPoint, fills.LocalEndPoint);

        ExclusivePublication tickPub = driver.AddPublication(channel + "|term-length=64k", 1);
        ExclusivePublication fillPub = driver.AddPublication(channel + "|term-length=64k", 2);
        Pump.Until(() => tickPub.IsConnected && fillPub.IsConnected, () => driver.DoWork());
        Assert.True(tickPub.Offer("tick"u8) > 0);
        Assert.True(fillPub.Offer("fill"u8) > 0);
        var gotTicks = new List<string>();
        var gotFills = new List<string>();
        Pump.Until(() => gotTicks.Count == 1 && gotFills.Count == 1, () =>
        {
            driver.DoWork();
            ticks.Poll((b, in h) => gotTicks.Add(System.Text.Encoding.ASCII.GetString(b)), 10);
            fills.Poll((b, in h) => gotFills.Add(System.Text.Encoding.ASCII.GetString(b)), 10);
        });
        Assert.Equal(["tick"], gotTicks);
        Assert.Equal(["fill"], gotFills);

        driver.RemoveSubscription(ticks);
        Assert.True(fillPub.Offer("fill 2"u8) > 0);
        Pump.Until(() => gotFills.Count == 2, () =>
        {
            driver.DoWork();
            fills.Poll((b, in h) => gotFills.Add(System.Text.Encoding.ASCII.GetString(b)), 10);
        }, what: "the remaining subscription keeps the shared socket");
    }

    [Fact]
    public void A_restarted_subscriber_elicits_a_setup_and_joins_the_running_stream()
    {
        using var driver = new EmbeddedDriver();
        int port = FreeLoopbackPort();
        string channel = $"aeron:udp?endpoint=127.0.0.1:{port}";
        Sub first = driver.AddSubscription(channel, 9);
        ExclusivePublication pub = driver.AddPublication(channel + "|term-length=64k", 9);
        Pump.Until(() => pub.IsConnected && first.IsConnected, () => driver.DoWork());
        Assert.True(pub.Offer("before restart"u8) > 0);
        Pump.Until(() => pub.SenderPosition == pub.Position, () => driver.DoWork());
        driver.RemoveSubscription(first);

        Sub second = driver.AddSubscription(channel, 9);
        // The heartbeat reveals an unknown session: SEND_SETUP SM, then SETUP at the current position.
        Pump.Until(() => second.IsConnected, () => driver.DoWork(), 3000, "rejoin via SETUP elicitation");
        Assert.Equal(pub.SenderPosition, second.ImageAt(0).JoinPosition);
        Assert.True(pub.Offer("after restart"u8) > 0);
        var got = new List<string>();
        Pump.Until(() => got.Count == 1, () =>
        {
            driver.DoWork();
            second.Poll((b, in h) => got.Add(System.Text.Encoding.ASCII.GetString(b)), 10);
        });
        Assert.Equal("after restart", got[0]);
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public void Closing_the_publication_sends_eos_and_the_image_goes_away_after_draining()
    {
        var options = new DriverOptions { StatusMessageTimeoutNs = 10_000_000 };
        var (driver, pub, sub) = Connect("|term-length=64k", options);
        using var _ = driver;
        var unavailable = new List<ImageInfo>();
        sub.OnUnavailableImage = unavailable.Add;
        Assert.True(pub.Offer("last words"u8) > 0);
        pub.Close();
        int received = 0;
        Pump.Until(() => unavailable.Count == 1 && driver.PublicationCount == 0, () =>
        {
            driver.DoWork();
            sub.Poll((b, in h) => received++, 10);
        }, what: "EOS drain");
        Assert.Equal(1, received);
        Assert.Equal(0, sub.ImageCount);
    }

    [Fact]
    public void An_image_that_falls_silent_is_dropped_after_the_liveness_timeout()
    {
        var options = new DriverOptions { ImageLivenessTimeoutNs = 50_000_000 };
        var (driver, pub, sub) = Connect("|term-length=64k", options);
        using var _ = driver;
        pub.Dispose(); // vanishes without EOS
        var sw = Stopwatch.StartNew();
        Pump.Until(() => sub.ImageCount == 0, () => driver.DoWork(), what: "liveness timeout");
        Assert.True(sw.ElapsedMilliseconds >= 40);
    }

    [Fact]
    public void Offer_and_poll_allocate_nothing_per_message_after_warm_up()
    {
        var (driver, pub, sub) = Connect();
        using var _ = driver;
        Run(driver, pub, sub, 20_000); // warm-up (JIT, tiering)
        var checker = new SequenceChecker { Expected = 0 };
        byte[] buffer = new byte[8192];
        var noop = new NoopHandler();

        long received = 0;
        long allocated = Allocations.LeastOf(3, () =>
        {
            for (long next = 0; next < 20_000;)
            {
                int length = SequenceChecker.LengthOf(next);
                SequenceChecker.Fill(buffer.AsSpan(0, length), next);
                long result = pub.Offer(buffer.AsSpan(0, length));
                if (result > 0) next++;
                driver.DoWork();
                received += sub.Poll(ref noop, 256);
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(noop.Count > 10_000);
    }

    private struct NoopHandler : IFragmentHandler
    {
        public long Count;
        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header) => Count++;
    }
}
