namespace CrossMargin.Aeron.Client;

/// <summary>
/// Reassembles a message sent as several frames (BEGIN … END flags) into one buffer, so pollers only
/// ever see whole messages. One per image; pre-sized for the longest message of its term length.
/// </summary>
/// <remarks>A fragment that does not continue a message in progress, or one that would overflow the
/// buffer (a corrupt stream), drops the message rather than delivering a wrong one.</remarks>
public sealed class FragmentAssembler
{
    private readonly byte[] _buffer;
    private int _length;
    private bool _assembling;

    /// <summary>Creates an assembler for messages up to <paramref name="maxMessageLength"/> bytes.</summary>
    public FragmentAssembler(int maxMessageLength) => _buffer = new byte[maxMessageLength];

    /// <summary>
    /// Takes one fragment's payload and flags; true with the whole message when it is complete (an
    /// unfragmented frame, or the END of a reassembled one). The message span is valid until the next call.
    /// </summary>
    public bool TryAssemble(ReadOnlySpan<byte> payload, byte flags, out ReadOnlySpan<byte> message)
    {
        message = default;
        if ((flags & Protocol.FrameFlags.Unfragmented) == Protocol.FrameFlags.Unfragmented)
        {
            _assembling = false;
            message = payload;
            return true;
        }
        if ((flags & Protocol.FrameFlags.Begin) != 0)
        {
            if (payload.Length > _buffer.Length)
            {
                _assembling = false; // a first fragment longer than the largest message (MTU above term length / 8)
                return false;
            }
            payload.CopyTo(_buffer);
            _length = payload.Length;
            _assembling = true;
            return false;
        }
        if (!_assembling) return false;
        if (_length + payload.Length > _buffer.Length)
        {
            _assembling = false;
            return false;
        }
        payload.CopyTo(_buffer.AsSpan(_length));
        _length += payload.Length;
        if ((flags & Protocol.FrameFlags.End) == 0) return false;
        _assembling = false;
        message = _buffer.AsSpan(0, _length);
        return true;
    }
}
