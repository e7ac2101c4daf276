namespace CrossMargin.Aeron.Protocol;

/// <summary>
/// Flyweight over one entry of a RES (name resolution) frame (aeron-wire.md §4.8). Entries follow the
/// 8-byte common header and are 8-byte aligned. Only decoded/encoded so the transport can recognise them.
/// </summary>
public readonly ref struct ResolutionEntryFlyweight
{
    /// <summary>Offset of res_type.</summary>
    public const int ResTypeOffset = 0;
    /// <summary>Offset of res_flags.</summary>
    public const int ResFlagsOffset = 1;
    /// <summary>Offset of udp_port (little-endian).</summary>
    public const int UdpPortOffset = 2;
    /// <summary>Offset of age_in_ms.</summary>
    public const int AgeInMsOffset = 4;
    /// <summary>Offset of the address bytes (network order).</summary>
    public const int AddressOffset = 8;
    /// <summary>res_type for an IPv4 entry.</summary>
    public const byte TypeIpv4 = 1;
    /// <summary>res_type for an IPv6 entry.</summary>
    public const byte TypeIpv6 = 2;
    /// <summary>res_flags bit: the sender's own entry.</summary>
    public const byte FlagSelf = 0x80;
    /// <summary>Alignment of entries.</summary>
    public const int EntryAlignment = 8;
    private const int Ipv4AddressLength = 4;
    private const int Ipv6AddressLength = 16;
    private const int NameLengthFieldSize = 2;

    /// <summary>The entry bytes.</summary>
    public readonly Span<byte> Buffer;
    /// <summary>Wraps an entry starting at <paramref name="buffer"/>[0].</summary>
    public ResolutionEntryFlyweight(Span<byte> buffer) => Buffer = buffer;

    /// <summary>1 = IPv4, 2 = IPv6.</summary>
    public byte ResType { get => Buffer[ResTypeOffset]; set => Buffer[ResTypeOffset] = value; }
    /// <summary>Entry flags (0x80 = self).</summary>
    public byte ResFlags { get => Buffer[ResFlagsOffset]; set => Buffer[ResFlagsOffset] = value; }
    /// <summary>UDP port.</summary>
    public ushort UdpPort { get => (ushort)Le.I16(Buffer, UdpPortOffset); set => Le.I16(Buffer, UdpPortOffset, (short)value); }
    /// <summary>Age of the entry in ms.</summary>
    public int AgeInMs { get => Le.I32(Buffer, AgeInMsOffset); set => Le.I32(Buffer, AgeInMsOffset, value); }
    /// <summary>Length of the address for this entry's type.</summary>
    public int AddressLength => ResType == TypeIpv6 ? Ipv6AddressLength : Ipv4AddressLength;
    /// <summary>Address bytes (network order).</summary>
    public Span<byte> Address => Buffer.Slice(AddressOffset, AddressLength);
    /// <summary>Offset of name_length.</summary>
    public int NameLengthOffset => AddressOffset + AddressLength;
    /// <summary>Name length.</summary>
    public short NameLength { get => Le.I16(Buffer, NameLengthOffset); set => Le.I16(Buffer, NameLengthOffset, value); }
    /// <summary>Name bytes (ASCII).</summary>
    public Span<byte> Name => Buffer.Slice(NameLengthOffset + NameLengthFieldSize, NameLength);
    /// <summary>Aligned entry length.</summary>
    public int EntryLength => ProtocolConstants.Align(NameLengthOffset + NameLengthFieldSize + NameLength, EntryAlignment);
}
