namespace CrossMargin.Messages;

/// <summary>
/// Outcome of a decode. Anything but <see cref="Ok"/> means the message was not decoded and its
/// out values are default; decoders never throw (design.md: bad input is counted and dropped).
/// </summary>
public enum DecodeResult : byte
{
    /// <summary>Decoded.</summary>
    Ok = 0,
    /// <summary>The buffer ends before the header, the block its header announces, or a group.</summary>
    TooShort,
    /// <summary>The template id is not a message this decoder reads.</summary>
    UnknownTemplate,
    /// <summary>The schema id is not <see cref="MessageSchema.Id"/>.</summary>
    WrongSchema,
    /// <summary>The version is older than <see cref="MessageSchema.MinSupportedVersion"/>.</summary>
    UnsupportedVersion,
    /// <summary>A blockLength (message or group) is shorter than the fixed block this version needs.</summary>
    BadBlockLength,
    /// <summary>An enum field holds a value outside its type.</summary>
    BadEnum,
    /// <summary>A boolean field holds neither 0 nor 1.</summary>
    BadBool,
    /// <summary>A repeating group announces more entries than its schema maximum.</summary>
    BadGroupCount,
    /// <summary>The destination (an account snapshot) has no room for the entries the message carries.</summary>
    DestinationTooSmall,
    /// <summary>Decoded, but its kind is not accepted on the stream it arrived on (gate stream roles): refused, never applied.</summary>
    WrongStream,
    /// <summary>The authentication tag (HMAC-SHA256 trailer) is missing or wrong: not decoded, never applied.</summary>
    Unauthenticated,
    /// <summary>A recovery range that is inverted or starts below sequence 1.</summary>
    BadRange,
}
