using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Transport;

namespace CrossMargin.Aeron.Client;

/// <summary>
/// One publisher's stream inside a subscription, as the client sees it: hands whole messages from the
/// log the receiver rebuilds (<see cref="PublicationImage"/>) to the poller, reassembling fragments
/// (<see cref="FragmentAssembler"/>), and publishes how far it has consumed. Single-threaded: polled on
/// the duty-cycle thread that also drives the receiver.
/// </summary>
public sealed class Image
{
    private readonly PublicationImage _receiver;
    private readonly byte[] _log;
    private readonly int _termLengthMask;
    private readonly FragmentAssembler _assembler;
    private long _subscriberPosition;

    internal Image(PublicationImage receiver)
    {
        _receiver = receiver;
        _log = receiver.Log;
        _termLengthMask = receiver.TermLength - 1;
        _assembler = new FragmentAssembler(LogBufferDescriptor.ComputeMaxMessageLength(receiver.TermLength));
        _subscriberPosition = receiver.JoinPosition;
    }

    internal PublicationImage Receiver => _receiver;

    /// <summary>Session id of the publisher.</summary>
    public int SessionId => _receiver.SessionId;
    /// <summary>Stream id.</summary>
    public int StreamId => _receiver.StreamId;
    /// <summary>Publisher's initial term id.</summary>
    public int InitialTermId => _receiver.InitialTermId;
    /// <summary>Term length from the SETUP.</summary>
    public int TermLength => _receiver.TermLength;
    /// <summary>MTU from the SETUP.</summary>
    public int Mtu => _receiver.Mtu;
    /// <summary>log2(term length).</summary>
    public int PositionBitsToShift => _receiver.PositionBitsToShift;
    /// <summary>Position the image joined at.</summary>
    public long JoinPosition => _receiver.JoinPosition;
    /// <summary>Position of the next byte the poller will read.</summary>
    public long Position => _subscriberPosition;
    /// <summary>Contiguous data received up to here.</summary>
    public long RebuildPosition => _receiver.RebuildPosition;
    /// <summary>Highest position seen in data or heartbeats.</summary>
    public long HighWaterMarkPosition => _receiver.HighWaterMarkPosition;
    /// <summary>Consumed log cleaned (zeroed for reuse) up to here.</summary>
    public long CleanPosition => _receiver.CleanPosition;
    /// <summary>Window advertised in SMs.</summary>
    public int ReceiverWindow => _receiver.ReceiverWindow;
    /// <summary>True once an EOS heartbeat was seen.</summary>
    public bool IsEndOfStream => _receiver.IsEndOfStream;
    /// <summary>Where SMs and NAKs go.</summary>
    public SocketAddressV4 ControlAddress => _receiver.ControlAddress;
    /// <summary>NAKs sent.</summary>
    public long NaksSent => _receiver.NaksSent;
    /// <summary>SMs sent.</summary>
    public long StatusMessagesSent => _receiver.StatusMessagesSent;
    /// <summary>Datagrams dropped because their partition was not clean yet (the sender resends them on NAK).</summary>
    public long DirtyPartitionDrops => _receiver.DirtyPartitionDrops;
    /// <summary>DATA/PAD datagrams rejected as malformed.</summary>
    public long MalformedDatagrams => _receiver.MalformedDatagrams;
    /// <summary>Times the rebuild scan or the poller met a header no sender writes (overlapping forged datagrams) and stopped there.</summary>
    public long CorruptFrames => _receiver.CorruptFrames;

    /// <summary>The three term buffers (tests).</summary>
    internal ReadOnlySpan<byte> RawLog => _log;

    /// <summary>Delivers up to <paramref name="fragmentLimit"/> fragments; whole messages reach the handler.</summary>
    internal int Poll<THandler>(ref THandler handler, int fragmentLimit) where THandler : IFragmentHandler
    {
        int fragments = 0;
        long position = _subscriberPosition;
        long rebuild = _receiver.RebuildPosition;
        int termLength = _receiver.TermLength, shift = _receiver.PositionBitsToShift;
        while (fragments < fragmentLimit && position < rebuild)
        {
            int index = LogBufferDescriptor.IndexByPosition(position, shift);
            int offset = (int)(position & _termLengthMask);
            ReadOnlySpan<byte> frame = _log.AsSpan(index * termLength + offset);
            int frameLength = FrameHeader.ReadFrameLength(frame);
            if (frameLength <= 0) break;
            if (frameLength < DataHeader.Length || offset + frameLength > termLength)
            {
                _receiver.CountCorruptFrame(); // a forged datagram rewrote a chained header: stop here, never read past it
                break;
            }
            position += ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
            if (FrameHeader.ReadType(frame) == FrameType.Pad) continue;

            fragments++;
            byte flags = FrameHeader.ReadFlags(frame);
            if (_assembler.TryAssemble(frame.Slice(DataHeader.Length, frameLength - DataHeader.Length), flags, out ReadOnlySpan<byte> message))
            {
                handler.OnFragment(message, MakeHeader(frame, frameLength, flags, position));
            }
        }

        // Consumed frames are zeroed later by the receiver, a bounded slice per duty cycle.
        _subscriberPosition = position;
        _receiver.SubscriberPosition = position;
        return fragments;
    }

    private FragmentHeader MakeHeader(ReadOnlySpan<byte> frame, int frameLength, byte flags, long positionAfter) => new(
        _receiver.SessionId, _receiver.StreamId, Le.I32(frame, DataHeader.TermIdOffset), Le.I32(frame, DataHeader.TermOffsetOffset), frameLength, flags,
        Le.I64(frame, DataHeader.ReservedValueOffset), positionAfter, _receiver.InitialTermId, _receiver.PositionBitsToShift);

}
