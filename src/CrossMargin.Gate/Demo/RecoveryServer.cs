using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Messages;
using CrossMargin.Messages.Recovery;

namespace CrossMargin.Gate.Demo;

/// <summary>
/// The publisher's side of the recovery protocol (issue 9, item 3), for an exchange that numbers its
/// order flow 1, 2, 3…: a sent log of the last <c>capacity</c> messages as sent (signed bytes included),
/// and a server that answers the gate's RecoveryRequests for this publication by offering the range
/// again — the original bytes, so the original sequence and authentication tag — on the same
/// publication, or RecoveryUnavailable for what the log no longer holds.
/// </summary>
/// <remarks>
/// Single-threaded (the exchange's thread). Preallocated; serving allocates nothing. Given the gate's HMAC key
/// (<c>security.hmacKeyFile</c>), it serves only requests carrying their valid trailer and counts the rest in
/// <see cref="Unauthenticated"/>: a spoofed request cannot make the exchange replay its order flow.
/// </remarks>
public sealed class RecoveryServer : IFragmentHandler
{
    private const int QueueLength = 64;
    private readonly ExclusivePublication _publication;
    private readonly byte[] _log;
    private readonly short[] _length;
    private readonly int _slotBytes, _mask;
    private readonly RecoveryRange[] _queue = new RecoveryRange[QueueLength];
    private readonly byte[] _answer = new byte[RecoveryUnavailableCodec.Length];
    private int _queueHead, _queueCount;
    private long _replayNext; // next sequence of the request at the queue's head (0: not started)
    private readonly MessageAuthentication? _authentication;

    /// <summary>
    /// A server for <paramref name="publication"/> keeping its last <paramref name="capacity"/> (a power of two) messages
    /// of up to <paramref name="slotBytes"/> bytes; with <paramref name="authentication"/> (used on this server's thread only)
    /// requests must be signed.
    /// </summary>
    public RecoveryServer(ExclusivePublication publication, int capacity, int slotBytes = 128, MessageAuthentication? authentication = null)
    {
        _authentication = authentication;
        if (capacity < 1 || (capacity & (capacity - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a power of two");
        _publication = publication;
        _slotBytes = slotBytes;
        _mask = capacity - 1;
        _log = new byte[capacity * slotBytes];
        _length = new short[capacity];
    }

    /// <summary>Highest sequence recorded.</summary>
    public long LastSequence { get; private set; }

    /// <summary>Requests received for this publication.</summary>
    public long Requests { get; private set; }

    /// <summary>Requests ignored because their HMAC trailer was missing or wrong (with a key only).</summary>
    public long Unauthenticated { get; private set; }

    /// <summary>Messages sent again.</summary>
    public long Replayed { get; private set; }

    /// <summary>RecoveryUnavailable answers sent.</summary>
    public long Unavailable { get; private set; }

    /// <summary>Records message <paramref name="sequence"/> as sent (whether or not the publication took it): sequences rise by one.</summary>
    public void Record(long sequence, ReadOnlySpan<byte> message)
    {
        if (sequence != LastSequence + 1 && LastSequence != 0) throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"expected {LastSequence + 1}");
        if (message.Length > _slotBytes) throw new ArgumentOutOfRangeException(nameof(message), message.Length, $"at most {_slotBytes} bytes");
        int at = (int)(sequence & _mask);
        message.CopyTo(_log.AsSpan(at * _slotBytes));
        _length[at] = (short)message.Length;
        LastSequence = sequence;
    }

    /// <summary>Takes a RecoveryRequest off the recovery channel; requests for other publications, and with a key unsigned or forged ones, are ignored.</summary>
    public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
    {
        ReadOnlySpan<byte> message = buffer;
        if (_authentication is not null && !_authentication.TryVerify(buffer, out message)) { Unauthenticated++; return; }
        if (RecoveryRequestCodec.TryDecode(message, out var request) != DecodeResult.Ok) return;
        if (request.SessionId != _publication.SessionId || request.StreamId != _publication.StreamId) return;
        Requests++;
        if (_queueCount == QueueLength) return; // the gate asks again after its timeout
        _queue[(_queueHead + _queueCount++) % QueueLength] = request;
    }

    /// <summary>Sends up to <paramref name="limit"/> messages of the queued requests; returns how many went out.</summary>
    public int DoWork(int limit = 256)
    {
        int sent = 0;
        while (_queueCount > 0 && sent < limit)
        {
            var request = _queue[_queueHead];
            long oldest = Math.Max(1, LastSequence - _mask);
            if (_replayNext == 0)
            {
                if (request.FromSequence < oldest || request.ToSequence > LastSequence)
                {
                    // Never sent: the whole range; out of the log: the part before its oldest message.
                    var gone = request.ToSequence > LastSequence ? request : request with { ToSequence = Math.Min(request.ToSequence, oldest - 1) };
                    int n = RecoveryUnavailableCodec.Encode(gone, _answer);
                    if (n <= 0 || _publication.Offer(_answer.AsSpan(0, n)) < 0) return sent;
                    Unavailable++;
                    if (gone.ToSequence == request.ToSequence) { Dequeue(); continue; }
                    _queue[_queueHead] = request with { FromSequence = oldest };
                    continue;
                }
                _replayNext = request.FromSequence;
            }
            int at = (int)(_replayNext & _mask);
            if (_publication.Offer(_log.AsSpan(at * _slotBytes, _length[at])) < 0) return sent; // back-pressured: next cycle
            Replayed++;
            sent++;
            if (++_replayNext > request.ToSequence) Dequeue();
        }
        return sent;
    }

    private void Dequeue()
    {
        _queueHead = (_queueHead + 1) % QueueLength;
        _queueCount--;
        _replayNext = 0;
    }
}
