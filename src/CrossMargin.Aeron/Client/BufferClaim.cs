using CrossMargin.Aeron.Protocol;

namespace CrossMargin.Aeron.Client;

/// <summary>
/// A claimed, not yet committed frame in a publication's term. The frame_length stays negative until
/// <see cref="Commit"/>, so the sender's scan stops in front of it (as Aeron's tryClaim does).
/// </summary>
public ref struct BufferClaim
{
    private Span<byte> _frame;

    internal BufferClaim(Span<byte> frame) => _frame = frame;

    /// <summary>The payload to fill.</summary>
    public readonly Span<byte> Buffer => _frame.Length > DataHeader.Length ? _frame[DataHeader.Length..] : Span<byte>.Empty;

    /// <summary>Sets the frame's reserved_value.</summary>
    public readonly long ReservedValue { set => new DataHeader(_frame).ReservedValue = value; }

    /// <summary>Publishes the frame to the sender.</summary>
    public void Commit()
    {
        if (_frame.IsEmpty) return;
        new FrameHeader(_frame).FrameLength = _frame.Length;
        _frame = default;
    }

    /// <summary>Turns the claimed frame into padding that receivers skip.</summary>
    public void Abort()
    {
        if (_frame.IsEmpty) return;
        var header = new FrameHeader(_frame);
        header.Type = FrameType.Pad;
        header.FrameLength = _frame.Length;
        _frame = default;
    }
}
