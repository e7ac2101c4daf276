using System.Net;
using CrossMargin.Aeron.Driver.Sender;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;
using CrossMargin.Aeron.Uri;

namespace CrossMargin.Aeron.Client;

/// <summary>
/// The client side of a publication (Aeron's <c>ExclusivePublication</c>: one appending thread):
/// <see cref="Offer"/> and <see cref="TryClaim"/> append frames to the log it shares with the driver's
/// <see cref="NetworkPublication"/>, up to the limit the sender publishes; the sender sends them.
/// Single-threaded: call it from the thread that drives the <see cref="EmbeddedDriver"/>.
/// </summary>
public sealed class ExclusivePublication : IDisposable
{
    private readonly NetworkPublication _sender;
    private readonly byte[] _log;
    private readonly int _termLengthMask;
    private readonly long _maxPossiblePosition;
    private long _position;

    internal ExclusivePublication(NetworkPublication sender)
    {
        _sender = sender;
        _log = sender.Log;
        TermLength = sender.TermLength;
        _termLengthMask = TermLength - 1;
        PositionBitsToShift = sender.PositionBitsToShift;
        InitialTermId = sender.InitialTermId;
        SessionId = sender.SessionId;
        StreamId = sender.StreamId;
        MaxPayloadLength = sender.MaxPayloadLength;
        MaxMessageLength = sender.MaxMessageLength;
        _maxPossiblePosition = LogBufferDescriptor.MaxPossiblePosition(TermLength);
    }

    /// <summary>The driver's sender of this publication (counters, diagnostics).</summary>
    public NetworkPublication Sender => _sender;
    /// <summary>Channel this publication sends on.</summary>
    public UdpChannel Channel => _sender.Channel;
    /// <summary>Stream id.</summary>
    public int StreamId { get; }
    /// <summary>Session id.</summary>
    public int SessionId { get; }
    /// <summary>Initial term id.</summary>
    public int InitialTermId { get; }
    /// <summary>Term length.</summary>
    public int TermLength { get; }
    /// <summary>MTU (largest frame and datagram).</summary>
    public int Mtu => _sender.Mtu;
    /// <summary>log2(term length).</summary>
    public int PositionBitsToShift { get; }
    /// <summary>Payload bytes per frame (MTU - 32).</summary>
    public int MaxPayloadLength { get; }
    /// <summary>Largest message <see cref="Offer"/> accepts.</summary>
    public int MaxMessageLength { get; }
    /// <summary>Position after the last appended message.</summary>
    public long Position => _position;
    /// <summary>True while at least one receiver sends SMs.</summary>
    public bool IsConnected => _sender.IsConnected;
    /// <summary>True once <see cref="Close"/> was called.</summary>
    public bool IsClosed => _sender.IsClosed;
    /// <summary>Position up to which data has been sent.</summary>
    public long SenderPosition => _sender.SenderPosition;
    /// <summary>Flow-control limit from the receivers' SMs.</summary>
    public long SenderLimit => _sender.SenderLimit;
    /// <summary>Number of live receivers.</summary>
    public int ReceiverCount => _sender.ReceiverCount;
    /// <summary>Local address datagrams are sent from.</summary>
    public IPEndPoint LocalEndPoint => _sender.LocalEndPoint;
    /// <summary>NAKs received.</summary>
    public long NaksReceived => _sender.NaksReceived;
    /// <summary>Retransmitted datagrams.</summary>
    public long RetransmitsSent => _sender.RetransmitsSent;
    /// <summary>NAKs ignored because a resend covering their offset was lingering.</summary>
    public long NaksCovered => _sender.NaksCovered;
    /// <summary>NAKs dropped because every retransmit action was busy (group publications only).</summary>
    public long RetransmitOverflows => _sender.RetransmitOverflows;
    /// <summary>ERR frames received (image rejected by a receiver).</summary>
    public long ErrorFramesReceived => _sender.ErrorFramesReceived;
    /// <summary>Loss hook on sent datagrams (tests).</summary>
    public Transport.DatagramDropPredicate? SendDropHook { get => _sender.SendDropHook; set => _sender.SendDropHook = value; }

    /// <summary>
    /// Appends <paramref name="message"/> to the log. Returns the new position, or a negative
    /// <see cref="PublicationResult"/> code. Never blocks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The message is longer than <see cref="MaxMessageLength"/> (a programming error, as in Aeron).</exception>
    public long Offer(ReadOnlySpan<byte> message, long reservedValue = 0)
    {
        long position = _position;
        long check = CheckOffer(message.Length, position);
        if (check < 0) return check;

        int requiredLength = message.Length <= MaxPayloadLength
            ? ProtocolConstants.Align(message.Length + DataHeader.Length, ProtocolConstants.FrameAlignment)
            : LogBufferDescriptor.ComputeFragmentedFrameLength(message.Length, MaxPayloadLength);
        int termOffset = (int)(position & _termLengthMask);
        Span<byte> term = ActiveTerm(position);
        if (termOffset + requiredLength > TermLength)
        {
            return HandleEndOfTerm(term, termOffset, position);
        }

        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, PositionBitsToShift, InitialTermId);
        int offset = termOffset;
        int remaining = message.Length;
        int sourceOffset = 0;
        byte flags = FrameFlags.Begin;
        do
        {
            int chunk = Math.Min(remaining, MaxPayloadLength);
            if (chunk == remaining) flags |= FrameFlags.End;
            int frameLength = chunk + DataHeader.Length;
            int alignedLength = ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
            Span<byte> frame = term.Slice(offset, alignedLength);
            new DataHeader(frame).Write(frameLength, flags, FrameType.Data, offset, SessionId, StreamId, termId, reservedValue);
            message.Slice(sourceOffset, chunk).CopyTo(frame[DataHeader.Length..]);
            // Old term contents may sit in the alignment gap; real drivers send zeros there.
            frame[frameLength..].Clear();
            flags = 0;
            offset += alignedLength;
            sourceOffset += chunk;
            remaining -= chunk;
        }
        while (remaining > 0);

        return Advance(position + requiredLength);
    }

    /// <summary>
    /// Claims a frame of <paramref name="length"/> (≤ <see cref="MaxPayloadLength"/>) to fill in place, then
    /// <see cref="BufferClaim.Commit"/>. Returns the new position or a negative <see cref="PublicationResult"/>.
    /// </summary>
    public long TryClaim(int length, out BufferClaim claim)
    {
        claim = default;
        if (length > MaxPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"claim must be <= max payload {MaxPayloadLength}");
        }
        long position = _position;
        long check = CheckOffer(length, position);
        if (check < 0) return check;

        int frameLength = length + DataHeader.Length;
        int alignedLength = ProtocolConstants.Align(frameLength, ProtocolConstants.FrameAlignment);
        int termOffset = (int)(position & _termLengthMask);
        Span<byte> term = ActiveTerm(position);
        if (termOffset + alignedLength > TermLength)
        {
            return HandleEndOfTerm(term, termOffset, position);
        }

        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, PositionBitsToShift, InitialTermId);
        Span<byte> frame = term.Slice(termOffset, alignedLength);
        var header = new DataHeader(frame);
        header.Write(-frameLength, FrameFlags.Unfragmented, FrameType.Data, termOffset, SessionId, StreamId, termId);
        frame[frameLength..].Clear();
        claim = new BufferClaim(frame[..frameLength]);
        return Advance(position + alignedLength);
    }

    private long CheckOffer(int length, long position)
    {
        if (!_sender.IsActive) return PublicationResult.Closed;
        if (length > MaxMessageLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"message must be <= {MaxMessageLength}");
        }
        if (_sender.ReceiverCount == 0) return PublicationResult.NotConnected;
        if (position >= _sender.PublisherLimit) return PublicationResult.BackPressured;
        if (position + length + DataHeader.Length > _maxPossiblePosition) return PublicationResult.MaxPositionExceeded;
        return 0;
    }

    private long HandleEndOfTerm(Span<byte> term, int termOffset, long position)
    {
        // The message does not fit: pad the rest of the term; the caller retries into the next term.
        int padLength = TermLength - termOffset;
        int termId = LogBufferDescriptor.ComputeTermIdFromPosition(position, PositionBitsToShift, InitialTermId);
        new DataHeader(term[termOffset..]).Write(padLength, FrameFlags.Unfragmented, FrameType.Pad, termOffset, SessionId, StreamId, termId);
        Advance(position + padLength);
        return PublicationResult.AdminAction;
    }

    private Span<byte> ActiveTerm(long position) =>
        _log.AsSpan(LogBufferDescriptor.IndexByPosition(position, PositionBitsToShift) * TermLength, TermLength);

    private long Advance(long position)
    {
        _position = position;
        _sender.ProducerPosition = position; // the log is shared: the sender reads up to here
        return position;
    }

    /// <summary>
    /// Starts end of stream: everything appended so far is still sent, then EOS heartbeats until the receiver
    /// acknowledges or the linger expires; the driver then releases the sockets.
    /// </summary>
    public void Close() => _sender.Close();

    /// <summary>Releases the sockets immediately (no EOS). Prefer <see cref="Close"/>.</summary>
    public void Dispose() => _sender.Dispose();
}
