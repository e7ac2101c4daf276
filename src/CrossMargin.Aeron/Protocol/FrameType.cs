namespace CrossMargin.Aeron.Protocol;

/// <summary>Frame type codes carried in the common header's <c>type</c> field (aeron-wire.md §3).</summary>
public static class FrameType
{
    /// <summary>Padding frame written at the end of a term.</summary>
    public const short Pad = 0x00;
    /// <summary>Data frame (also heartbeats when frame_length is 0).</summary>
    public const short Data = 0x01;
    /// <summary>Negative acknowledgement: a receiver asks for a retransmission.</summary>
    public const short Nak = 0x02;
    /// <summary>Status message: receiver position and window.</summary>
    public const short StatusMessage = 0x03;
    /// <summary>Error frame (image rejected).</summary>
    public const short Error = 0x04;
    /// <summary>Setup frame: announces a publication's term geometry.</summary>
    public const short Setup = 0x05;
    /// <summary>Round-trip-time measurement.</summary>
    public const short RttMeasurement = 0x06;
    /// <summary>Driver name resolution.</summary>
    public const short Resolution = 0x07;
    /// <summary>Response setup (response channels).</summary>
    public const short ResponseSetup = 0x0B;
    /// <summary>Extension frame type (defined only).</summary>
    public const short Extension = -1;
}

/// <summary>Flag bits of the common header, per frame type (aeron-wire.md §4).</summary>
public static class FrameFlags
{
    /// <summary>DATA: first fragment of a message.</summary>
    public const byte Begin = 0x80;
    /// <summary>DATA: last fragment of a message.</summary>
    public const byte End = 0x40;
    /// <summary>DATA: end of stream (heartbeat after close).</summary>
    public const byte EndOfStream = 0x20;
    /// <summary>DATA: an unfragmented message (BEGIN|END).</summary>
    public const byte Unfragmented = Begin | End;
    /// <summary>SM: the receiver asks the sender for a SETUP.</summary>
    public const byte SendSetup = 0x80;
    /// <summary>SM: the receiver has handled end of stream.</summary>
    public const byte StatusEndOfStream = 0x40;
    /// <summary>SETUP: publication carries a response correlation id.</summary>
    public const byte SetupSendResponse = 0x80;
    /// <summary>SETUP: publication has group semantics (multicast / MDC).</summary>
    public const byte SetupGroup = 0x40;
    /// <summary>RTTM: the initiator wants a reply.</summary>
    public const byte RttmReply = 0x80;
    /// <summary>ERR: the group tag field is meaningful.</summary>
    public const byte ErrorHasGroupTag = 0x08;
}

/// <summary>Protocol-wide constants.</summary>
public static class ProtocolConstants
{
    /// <summary>The only protocol version on the wire.</summary>
    public const byte Version = 0;
    /// <summary>DATA/PAD frames start on 32-byte boundaries in the term and on the wire.</summary>
    public const int FrameAlignment = 32;
    /// <summary>Default MTU of the C media driver.</summary>
    public const int DefaultMtu = 1408;
    /// <summary>Largest MTU the driver accepts.</summary>
    public const int MaxMtu = 65504;
    /// <summary>Upper bound on a message regardless of term length (16 MiB).</summary>
    public const int MaxMessageLengthCap = 16 * 1024 * 1024;
    /// <summary>ERR: error code for "image rejected".</summary>
    public const int ErrorCodeImageRejected = 13;
    /// <summary>ERR: longest error text the driver sends.</summary>
    public const int MaxErrorTextLength = 1023;

    /// <summary>Rounds <paramref name="value"/> up to a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public static int Align(int value, int alignment) => (value + (alignment - 1)) & ~(alignment - 1);
}
