namespace CrossMargin.Bench.Rings;

/// <summary>
/// The one-producer/one-consumer workload our ring, Channels and the Java LMAX Disruptor peer
/// (perf/peers/disruptor/DisruptorPeer.java) all run, with identical constants: a 1,024-slot ring
/// of {long value, long stamp}, busy-spin waiting; burst = publish as fast as possible and wait for
/// the consumer; paced = one event every <see cref="PacedGapNs"/>, stamped just before the slot is
/// claimed, the consumer records now − stamp; percentiles by sort and nearest rank.
/// </summary>
public static class RingWorkload
{
    /// <summary>Ring slots.</summary>
    public const int RingSize = 1024;

    /// <summary>Gap between paced events (50,000 events/s: a rate every contender sustains).</summary>
    public const long PacedGapNs = 20_000;

    /// <summary>Events per burst repetition.</summary>
    public static long BurstEvents(bool quick) => quick ? 5_000_000 : 20_000_000;

    /// <summary>Measured burst repetitions (the median is reported).</summary>
    public static int BurstReps(bool quick) => quick ? 3 : 7;

    /// <summary>Burst repetitions stop early once their total time passes this (at least one runs): a slow contender on a busy machine must not hold the run for minutes.</summary>
    public static double BurstBudgetSeconds(bool quick) => quick ? 8 : 30;

    /// <summary>Paced events measured (after a warm-up of a fifth as many).</summary>
    public static int PacedEvents(bool quick) => quick ? 50_000 : 250_000;
}

/// <summary>A ring slot: the value the consumer sums, the producer's timestamp (0: not timed).</summary>
public struct RingEvent
{
    /// <summary>Payload.</summary>
    public long Value;
    /// <summary>Stopwatch timestamp at publish, 0 in bursts.</summary>
    public long Stamp;
}
