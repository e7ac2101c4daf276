using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Tests.Infrastructure;
using CrossMargin.Aeron.Tests.Loopback;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron.Tests.Subscription;

public class MalformedInputTests
{
    [Fact]
    public void Malformed_datagrams_are_counted_and_dropped_and_the_stream_carries_on()
    {
        using var driver = new EmbeddedDriver();
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", 1001);
        ExclusivePublication pub = driver.AddPublication($"aeron:udp?endpoint=127.0.0.1:{sub.LocalEndPoint.Port}|term-length=64k", 1001);
        Pump.Until(() => pub.IsConnected && sub.IsConnected, () => driver.DoWork());
        using var peer = new Peer();

        byte[] Data(int frameLength, short type, int termOffset, int length)
        {
            byte[] d = new byte[length];
            new DataHeader(d).Write(frameLength, FrameFlags.Unfragmented, type, termOffset, pub.SessionId, 1001, pub.InitialTermId);
            return d;
        }

        byte[] badVersion = Data(64, FrameType.Data, 0, 64);
        badVersion[FrameHeader.VersionOffset] = 1;
        byte[] truncatedSetup = new byte[20];
        new FrameHeader(truncatedSetup).Write(40, 0, FrameType.Setup);
        byte[] badTermLength = new byte[SetupFlyweight.Length];
        new SetupFlyweight(badTermLength).Write(0, 0, 99, 1001, 0, 0, 12345, 1408, 0);
        byte[] inconsistent = Data(64, FrameType.Data, 0, 128);
        new DataHeader(inconsistent.AsSpan(64)).Write(64, FrameFlags.Unfragmented, FrameType.Data, 4096, pub.SessionId, 1001, pub.InitialTermId);
        byte[][] garbage =
        [
            [1, 2, 3, 4],
            badVersion,
            truncatedSetup,
            badTermLength,
            Data(5, FrameType.Data, 0, 32),              // frame shorter than its header
            Data(4000, FrameType.Data, 0, 64),           // frame longer than the datagram and the MTU
            Data(64, FrameType.Pad, 0, 32),              // PAD that does not reach the term end
            inconsistent,                                // second frame's term offset disagrees with its place
            Data(64, 0x7F, 0, 64),                       // unknown type inside a data datagram
        ];
        foreach (byte[] d in garbage)
        {
            long before = sub.DatagramsReceived;
            peer.Send(d, sub.LocalEndPoint);
            Pump.Until(() => sub.DatagramsReceived > before, () => driver.DoWork());
        }

        var checker = new SequenceChecker();
        byte[] buffer = new byte[8192];
        for (long next = 0; checker.Expected < 2000;)
        {
            if (next < 2000)
            {
                int length = SequenceChecker.LengthOf(next);
                SequenceChecker.Fill(buffer.AsSpan(0, length), next);
                long r = pub.Offer(buffer.AsSpan(0, length));
                if (r > 0) next++;
            }
            driver.DoWork();
            sub.Poll(ref checker, 64);
        }
        Assert.Null(checker.FirstError);
        Assert.True(sub.InvalidDatagrams >= 3, $"invalid {sub.InvalidDatagrams}");
        Assert.True(sub.ImageAt(0).MalformedDatagrams >= 4, $"malformed {sub.ImageAt(0).MalformedDatagrams}");
        Assert.Equal(1, sub.ImageCount);
    }
}
