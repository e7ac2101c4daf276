namespace CrossMargin.Aeron;

/// <summary>
/// Timers and sizes of the embedded driver. Defaults are the Aeron C media driver's (aeron-wire.md §11).
/// </summary>
public sealed class DriverOptions
{
    /// <summary>SETUP resend interval until connected or when elicited (100 ms).</summary>
    public long SetupIntervalNs { get; set; } = 100_000_000;
    /// <summary>Heartbeat interval while idle (100 ms).</summary>
    public long HeartbeatIntervalNs { get; set; } = 100_000_000;
    /// <summary>Periodic SM interval (200 ms).</summary>
    public long StatusMessageTimeoutNs { get; set; } = 200_000_000;
    /// <summary>Receiver initial window (128 KiB; capped at term length / 2).</summary>
    public int InitialReceiverWindow { get; set; } = 128 * 1024;
    /// <summary>Image liveness timeout (10 s).</summary>
    public long ImageLivenessTimeoutNs { get; set; } = 10_000_000_000;
    /// <summary>Publication drops a receiver with no SM for this long (5 s).</summary>
    public long PublicationConnectionTimeoutNs { get; set; } = 5_000_000_000;
    /// <summary>Unicast NAK retry = NAK delay x this ratio (100 -> 10 ms).</summary>
    public int NakUnicastRetryDelayRatio { get; set; } = 100;
    /// <summary>Multicast NAK random back-off maximum (10 ms).</summary>
    public long NakMulticastMaxBackoffNs { get; set; } = 10_000_000;
    /// <summary>Delay from a NAK to its resend (0: at once, the C driver's unicast and multicast default).</summary>
    public long RetransmitDelayNs { get; set; }
    /// <summary>Time a resent range is protected from further NAKs for the same range (10 ms).</summary>
    public long RetransmitLingerNs { get; set; } = 10_000_000;
    /// <summary>Max concurrent retransmits for group publications (16); unicast uses 1, which a NAK for another range reuses at once.</summary>
    public int MaxResend { get; set; } = 16;
    /// <summary>One NAK resends at most this many receiver windows (16, the C driver's flow-control default).</summary>
    public int RetransmitReceiverWindowMultiple { get; set; } = 16;
    /// <summary>Number of EOS SM intervals before a drained image is removed (5).</summary>
    public int EndOfStreamStatusMessageCount { get; set; } = 5;
    /// <summary>Datagrams read per socket per duty cycle.</summary>
    public int ReceiveBatchLimit { get; set; } = 64;
    /// <summary>Datagrams sent per publication per duty cycle.</summary>
    public int SendBatchLimit { get; set; } = 64;
    /// <summary>
    /// Consumed image log zeroed per duty cycle (64 KiB; at least one cycle's receive intake, so
    /// cleaning keeps up): cleaning is spread over the cycles instead of clearing a whole term at rotation.
    /// </summary>
    public int TermCleanBytesPerCycle { get; set; } = 64 * 1024;
    /// <summary>SO_RCVBUF for every socket.</summary>
    public int SocketReceiveBufferSize { get; set; } = Transport.UdpTransport.DefaultReceiveBufferSize;
    /// <summary>SO_SNDBUF for every socket (0 = OS default).</summary>
    public int SocketSendBufferSize { get; set; }
    /// <summary>
    /// Touch every page of new term buffers at setup so page faults never land on the message path
    /// (Aeron's <c>pre.touch.mapped.memory</c>; on by default here because the gate is latency-first).
    /// </summary>
    public bool PreTouchTermBuffers { get; set; } = true;
    /// <summary>What a SETUP may ask of the receiver (term length, MTU, images, image memory); outside it is refused and counted.</summary>
    public Driver.Receiver.ReceiverLimits ReceiverLimits { get; set; } = Driver.Receiver.ReceiverLimits.Default;
}

/// <summary>Results of <c>Publication.Offer</c> below zero, as Aeron's client defines them.</summary>
public static class PublicationResult
{
    /// <summary>No subscriber is connected.</summary>
    public const long NotConnected = -1;
    /// <summary>The publisher is ahead of the sender/receiver window; try again.</summary>
    public const long BackPressured = -2;
    /// <summary>Term rotated (padding written); try again at once.</summary>
    public const long AdminAction = -3;
    /// <summary>The publication is closed.</summary>
    public const long Closed = -4;
    /// <summary>The log has reached its maximum position.</summary>
    public const long MaxPositionExceeded = -5;

    /// <summary>Human-readable name of a result code.</summary>
    public static string Describe(long result) => result switch
    {
        NotConnected => "NOT_CONNECTED",
        BackPressured => "BACK_PRESSURED",
        AdminAction => "ADMIN_ACTION",
        Closed => "CLOSED",
        MaxPositionExceeded => "MAX_POSITION_EXCEEDED",
        _ when result >= 0 => "OK",
        _ => "UNKNOWN",
    };
}
