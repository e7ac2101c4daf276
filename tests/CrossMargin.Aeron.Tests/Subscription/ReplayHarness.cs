using System.Buffers.Binary;
using System.Diagnostics;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Tests.Infrastructure;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron.Tests.Subscription;

/// <summary>
/// Plays captured sender datagrams from a raw peer socket into a real subscription on 127.0.0.1, one at a
/// time, polling after each, and records the messages delivered and every frame the subscription sends back.
/// </summary>
public sealed class ReplayHarness : IDisposable
{
    public ReplayHarness(int streamId = 1001, DriverOptions? options = null)
    {
        Driver = new EmbeddedDriver(options);
        Subscription = Driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", streamId);
        Peer = new Peer();
    }

    public EmbeddedDriver Driver { get; }
    public Sub Subscription { get; }
    public Peer Peer { get; }
    public List<byte[]> Messages { get; } = [];
    public List<long> MessagePositions { get; } = [];
    public List<byte[]> Sent { get; } = [];

    public void Pump()
    {
        Driver.DoWork();
        Subscription.Poll((buffer, in header) =>
        {
            Messages.Add(buffer.ToArray());
            MessagePositions.Add(header.Position);
        }, 100);
        CollectSent();
    }

    private void CollectSent()
    {
        while (Peer.Socket.Available > 0)
        {
            byte[] buffer = new byte[65536];
            int n = Peer.Socket.Receive(buffer);
            Sent.Add(buffer[..n]);
        }
    }

    /// <summary>Sends one datagram and pumps until the subscription has read it.</summary>
    public void Play(byte[] datagram)
    {
        long before = Subscription.DatagramsReceived;
        Peer.Send(datagram, Subscription.LocalEndPoint);
        var sw = Stopwatch.StartNew();
        while (Subscription.DatagramsReceived == before)
        {
            if (sw.ElapsedMilliseconds > 2000) Assert.Fail("subscription did not read a replayed datagram");
            Pump();
        }
        Pump();
    }

    /// <summary>Pumps until a frame matching <paramref name="match"/> has been sent back; returns it.</summary>
    public byte[] AwaitSent(Func<byte[], bool> match, int timeoutMs = 3000)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            byte[]? found = Sent.FirstOrDefault(match);
            if (found is not null) return found;
            if (sw.ElapsedMilliseconds > timeoutMs) Assert.Fail("expected frame was not sent");
            Pump();
        }
    }

    public IEnumerable<byte[]> SentOfType(short type) => Sent.Where(d => FrameHeader.ReadType(d) == type);

    /// <summary>Captured bytes with the receiver_id replaced by ours (the only field that differs per run).</summary>
    public byte[] WithOurReceiverId(byte[] captured, int receiverIdOffset = StatusMessageFlyweight.ReceiverIdOffset)
    {
        byte[] copy = (byte[])captured.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(receiverIdOffset), Subscription.ReceiverId);
        return copy;
    }

    public void Dispose()
    {
        Driver.Dispose();
        Peer.Dispose();
    }

    /// <summary>The captured messages of a session (first copy of each position, in position order).</summary>
    public static List<(long Position, byte[] Payload)> CapturedMessages(IEnumerable<PcapPacket> dataPackets, int initialTermId, int termLength)
    {
        int bits = LogBufferDescriptor.PositionBitsToShift(termLength);
        var frames = new SortedDictionary<long, (byte Flags, byte[] Payload)>();
        foreach (var packet in dataPackets)
        {
            byte[] d = packet.Payload;
            if (DataHeader.IsHeartbeat(d) || FrameHeader.ReadType(d) != FrameType.Data && FrameHeader.ReadType(d) != FrameType.Pad) continue;
            int offset = 0;
            while (offset + DataHeader.Length <= d.Length)
            {
                var h = new DataHeader(d.AsSpan(offset));
                if (h.FrameLength <= 0) break;
                long position = LogBufferDescriptor.ComputePosition(h.TermId, h.TermOffset, bits, initialTermId);
                if (h.Type == FrameType.Pad) break;
                frames.TryAdd(position, (h.Flags, d.AsSpan(offset + DataHeader.Length, h.FrameLength - DataHeader.Length).ToArray()));
                offset += ProtocolConstants.Align(h.FrameLength, ProtocolConstants.FrameAlignment);
            }
        }

        var messages = new List<(long, byte[])>();
        var assembling = new List<byte>();
        foreach (var (position, (flags, payload)) in frames)
        {
            if ((flags & FrameFlags.Begin) != 0) assembling.Clear();
            assembling.AddRange(payload);
            if ((flags & FrameFlags.End) != 0) messages.Add((position, assembling.ToArray()));
        }
        return messages;
    }
}
