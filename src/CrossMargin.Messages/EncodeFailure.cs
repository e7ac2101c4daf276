namespace CrossMargin.Messages;

/// <summary>
/// Negative results of the <c>Encode</c> methods (which otherwise return the bytes written), in the
/// manner of Agrona's sentinels: failure is a value, never an exception. On failure the destination's
/// contents are unspecified.
/// </summary>
public static class EncodeFailure
{
    /// <summary>The destination is shorter than the message.</summary>
    public const int InsufficientCapacity = -1;
    /// <summary>The input or event kind has no message of its own.</summary>
    public const int UnknownKind = -2;
    /// <summary>A field cannot be represented on the wire (a side that is neither buy nor sell, an enum out of range, an asset index above 65535).</summary>
    public const int InvalidValue = -3;
    /// <summary>An account or fund event: encode it with <see cref="AccountSnapshotCodec"/>, which carries the snapshot.</summary>
    public const int SnapshotRequired = -4;
    /// <summary>A snapshot has more balances or positions than the schema's group maximum.</summary>
    public const int TooManyEntries = -5;
}
