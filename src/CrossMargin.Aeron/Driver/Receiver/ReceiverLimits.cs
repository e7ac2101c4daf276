using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Terms;

namespace CrossMargin.Aeron.Driver.Receiver;

/// <summary>
/// What a receiver accepts from a SETUP before it allocates an image: the SETUP names the term length and
/// MTU, so without these bounds any UDP sender chooses how much memory the receiver allocates (a 1 GiB term
/// length is 3 GiB of log). A SETUP outside them is refused, counted, and allocates nothing.
/// </summary>
/// <param name="MaxTermLength">Largest accepted term length (a power of two, 64 KiB..1 GiB).</param>
/// <param name="MaxMtu">Largest accepted MTU (at most the protocol's 65,504).</param>
/// <param name="MaxImagesPerSubscription">Most images (publisher sessions) one subscription holds at once.</param>
/// <param name="MaxTermMemory">
/// Bytes all images of one driver may hold together; each image costs <see cref="ImageFootprint"/>
/// (three terms plus the reassembly buffer).
/// </param>
public sealed record ReceiverLimits(int MaxTermLength, int MaxMtu, int MaxImagesPerSubscription, long MaxTermMemory)
{
    /// <summary>
    /// The library default: the Aeron default term length (16 MiB) at most, any protocol MTU, 16 images per
    /// subscription and 1 GiB of images per driver.
    /// </summary>
    public static ReceiverLimits Default { get; } = new(LogBufferDescriptor.DefaultTermLength, ProtocolConstants.MaxMtu, 16, 1L << 30);

    /// <summary>Memory an image of <paramref name="termLength"/> holds: its three-term log and its reassembly buffer.</summary>
    public static long ImageFootprint(int termLength) =>
        (long)termLength * LogBufferDescriptor.PartitionCount + LogBufferDescriptor.ComputeMaxMessageLength(termLength);

    /// <summary>Null when the limits are usable, else what is wrong with them (names the field).</summary>
    public string? Problem()
    {
        if (!LogBufferDescriptor.IsValidTermLength(MaxTermLength))
            return $"maxTermLength: {MaxTermLength} is not a power of two in {LogBufferDescriptor.TermMinLength}..{LogBufferDescriptor.TermMaxLength}";
        if (MaxMtu <= DataHeader.Length || MaxMtu > ProtocolConstants.MaxMtu)
            return $"maxMtu: {MaxMtu} is not in {DataHeader.Length + 1}..{ProtocolConstants.MaxMtu}";
        if (MaxImagesPerSubscription < 1) return $"maxImagesPerSubscription: {MaxImagesPerSubscription} must be at least 1";
        if (MaxTermMemory < ImageFootprint(LogBufferDescriptor.TermMinLength))
            return $"maxTermMemory: {MaxTermMemory} bytes cannot hold even one image of the smallest term length ({ImageFootprint(LogBufferDescriptor.TermMinLength)} bytes)";
        return null;
    }
}

/// <summary>Why a SETUP was refused (index into <see cref="SetupRefusals"/>).</summary>
public enum SetupRefusal
{
    /// <summary>Term length, MTU or term offset malformed for the protocol itself.</summary>
    Malformed,
    /// <summary>Term length above <see cref="ReceiverLimits.MaxTermLength"/>.</summary>
    TermLength,
    /// <summary>MTU above <see cref="ReceiverLimits.MaxMtu"/>.</summary>
    Mtu,
    /// <summary>The subscription already holds <see cref="ReceiverLimits.MaxImagesPerSubscription"/> images.</summary>
    ImageCount,
    /// <summary>The image would take the driver's images past <see cref="ReceiverLimits.MaxTermMemory"/>.</summary>
    TermMemory,
    /// <summary>The source address is not in the subscription's <see cref="SourceAllowlist"/>.</summary>
    Source,
}

/// <summary>Counts of refused SETUPs by reason. Written by the driver thread only.</summary>
public sealed class SetupRefusals
{
    private readonly long[] _counts = new long[Enum.GetValues<SetupRefusal>().Length];

    /// <summary>Refusals for <paramref name="reason"/>.</summary>
    public long this[SetupRefusal reason] => _counts[(int)reason];

    /// <summary>Every refusal.</summary>
    public long Total { get; private set; }

    internal void Count(SetupRefusal reason)
    {
        _counts[(int)reason]++;
        Total++;
    }
}

/// <summary>
/// Image memory of one driver, reserved before an image is allocated and given back only when the image's
/// buffers are really gone (collected), so live plus not-yet-collected images never pass
/// <see cref="ReceiverLimits.MaxTermMemory"/>: a sender that lets hostile images time out and sends new SETUPs
/// cannot stack up garbage logs faster than the GC frees them. Driver thread only (cold path: SETUP and image removal).
/// </summary>
internal sealed class TermMemoryBudget(long limit)
{
    /// <summary>Least time between two collections forced by a SETUP that would fit once released images are collected.</summary>
    internal const long ForcedCollectionIntervalNs = 1_000_000_000;

    private readonly List<(WeakReference<byte[]> Log, long Bytes)> _released = [];
    private long _lastForcedCollectionNs = long.MinValue / 2;

    /// <summary>Bytes held by live images and by removed images not yet collected.</summary>
    public long Reserved { get; private set; }

    /// <summary>Collections forced to give back the memory of removed images.</summary>
    public long ForcedCollections { get; private set; }

    public bool TryReserve(long bytes, long nowNs)
    {
        Reap();
        if (bytes > limit - Reserved)
        {
            if (bytes > limit - Reserved && _released.Count > 0 && nowNs - _lastForcedCollectionNs >= ForcedCollectionIntervalNs)
            {
                // Released images whose memory the GC has not taken back yet: a bounded, rate-limited full collection.
                _lastForcedCollectionNs = nowNs;
                ForcedCollections++;
                GC.Collect();
                Reap();
            }
            if (bytes > limit - Reserved) return false;
        }
        Reserved += bytes;
        return true;
    }

    /// <summary>The image is gone from its subscription; its bytes return once the GC has collected its log (keyed on the log array, which both the receiver and client images hold).</summary>
    public void Release(byte[] log, long bytes) => _released.Add((new WeakReference<byte[]>(log), bytes));

    private void Reap()
    {
        for (int i = _released.Count - 1; i >= 0; i--)
        {
            if (_released[i].Log.TryGetTarget(out _)) continue;
            Reserved -= _released[i].Bytes;
            _released.RemoveAt(i);
        }
    }
}
