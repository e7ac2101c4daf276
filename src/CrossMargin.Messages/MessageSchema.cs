namespace CrossMargin.Messages;

/// <summary>
/// Identity of the CrossMargin SBE schema (<c>Schema/crossmargin-schema.xml</c>): every message
/// carries <see cref="Id"/> and the <see cref="Version"/> it was encoded with in its <see cref="MessageHeader"/>.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class MessageSchema
{
    /// <summary>Schema id written into every header; a message with another id is not ours.</summary>
    public const ushort Id = 0x434D; // "CM"

    /// <summary>Schema version this codec encodes.</summary>
    public const ushort Version = 1;

    /// <summary>
    /// Oldest version this codec decodes. Newer versions are accepted: SBE evolution only appends
    /// fields, so a newer message is read through its (longer) blockLength and the extra bytes skipped.
    /// </summary>
    public const ushort MinSupportedVersion = 1;

    /// <summary>Name of the embedded SBE XML schema resource.</summary>
    public const string ResourceName = "CrossMargin.Messages.Schema.crossmargin-schema.xml";

    /// <summary>Opens the embedded SBE XML schema (for serving it to parties that generate their own codecs).</summary>
    public static Stream OpenSchemaXml() =>
        typeof(MessageSchema).Assembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
}
