using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Tests.Infrastructure;

namespace CrossMargin.Aeron.Tests.Subscription;

/// <summary>SM and NAK schedules checked against a controlled clock (aeron-wire.md §8, §9).</summary>
public class TimerTests
{
    private const long Ms = 1_000_000;
    private const long Us = 1_000;

    private static (ReplayHarness replay, Func<long> advance) Start(long[] clock)
    {
        var replay = new ReplayHarness();
        replay.Driver.Clock = () => clock[0];
        return (replay, () => clock[0]);
    }

    [Fact]
    public void Sms_repeat_every_200_ms_and_move_only_after_a_quarter_window_is_consumed()
    {
        long[] clock = [1_000 * Ms];
        var (replay, _) = Start(clock);
        using var _r = replay;
        var packets = Vectors.Pcap("unicast-pad-term-rollover").Where(p => p.Destination.Port == 40123).ToList();
        replay.Play(packets[0].Payload); // SETUP: image + first SM
        int SmCount() => replay.SentOfType(FrameType.StatusMessage).Count();
        Assert.Equal(1, SmCount());

        clock[0] += 199 * Ms;
        replay.Pump();
        Assert.Equal(1, SmCount());
        clock[0] += 1 * Ms;
        replay.AwaitSent(_ => SmCount() == 2);

        // 1056-byte frames, window 32768: the SM position moves once more than 8192 bytes are consumed.
        var data = packets.Skip(1).Where(p => p.Payload.Length > DataHeader.Length).Take(9).ToList();
        for (int i = 0; i < 8; i++) replay.Play(data[i].Payload); // 8448 bytes > 8192
        var lastSm = new StatusMessageFlyweight(replay.SentOfType(FrameType.StatusMessage).Last());
        Assert.Equal(3, SmCount());
        Assert.Equal(8 * 1056, lastSm.ConsumptionTermOffset);
    }

    [Fact]
    public void Unicast_nak_goes_out_100_us_after_the_gap_and_repeats_every_10_ms()
    {
        long[] clock = [1_000 * Ms];
        var (replay, _) = Start(clock);
        using var _r = replay;
        var packets = Vectors.Pcap("unicast-loss-nak-retransmit").Where(p => p.Destination.Port == 40123).DistinctBy(p => Convert.ToHexStringLower(p.Payload)).ToList();
        replay.Play(packets[0].Payload); // SETUP
        var data = packets.Where(p => p.Payload.Length > DataHeader.Length).ToList();
        replay.Play(data[0].Payload);
        replay.Play(data[2].Payload); // data[1] lost
        int NakCount() => replay.SentOfType(FrameType.Nak).Count();

        clock[0] += 99 * Us;
        replay.Pump();
        Assert.Equal(0, NakCount());
        clock[0] += 1 * Us;
        replay.AwaitSent(_ => NakCount() == 1);
        var nak = new NakFlyweight(replay.SentOfType(FrameType.Nak).First());
        Assert.Equal(new DataHeader(data[1].Payload).TermOffset, nak.TermOffset);
        Assert.Equal(data[1].Payload.Length, nak.GapLength);

        clock[0] += 9_999 * Us;
        replay.Pump();
        Assert.Equal(1, NakCount());
        clock[0] += 1 * Us;
        replay.AwaitSent(_ => NakCount() == 2);

        replay.Play(data[1].Payload); // repaired: no more NAKs
        clock[0] += 50 * Ms;
        replay.Pump();
        Assert.Equal(2, NakCount());
    }

    [Fact]
    public void Multicast_nak_waits_a_random_back_off_of_at_most_10_ms()
    {
        long[] clock = [1_000 * Ms];
        var (replay, _) = Start(clock);
        using var _r = replay;
        var packets = Vectors.Pcap("multicast-loss-nak").Where(p => p.Destination.Address.ToString() == "224.0.1.1").DistinctBy(p => Convert.ToHexStringLower(p.Payload)).ToList();
        replay.Play(packets[0].Payload); // SETUP with GROUP flag
        var data = packets.Where(p => p.Payload.Length > DataHeader.Length).ToList();
        replay.Play(data[0].Payload);
        replay.Play(data[2].Payload);
        clock[0] += 10 * Ms;
        replay.AwaitSent(d => FrameHeader.ReadType(d) == FrameType.Nak);
    }
}
