namespace CrossMargin.Messages.Tests;

public class MessageHeaderTests
{
    [Fact]
    public void The_header_is_sbes_standard_eight_bytes()
    {
        var buffer = new byte[MessageHeader.Length];
        Assert.Equal(8, MessageHeader.Write(buffer, 0x1234, 0xBEEF));
        Assert.Equal("3412EFBE4D430100", Convert.ToHexString(buffer));
        Assert.True(MessageHeader.TryWrap(buffer, out var h));
        Assert.Equal((0x1234, 0xBEEF, MessageSchema.Id, MessageSchema.Version), (h.BlockLength, h.TemplateId, h.SchemaId, h.Version));
    }

    [Fact]
    public void A_short_buffer_is_refused_not_read()
    {
        var buffer = new byte[MessageHeader.Length];
        Assert.Equal(EncodeFailure.InsufficientCapacity, MessageHeader.Write(buffer.AsSpan(1), 1, 1));
        for (int n = 0; n < MessageHeader.Length; n++) Assert.False(MessageHeader.TryWrap(buffer.AsSpan(0, n), out _));
    }

    [Fact]
    public void The_embedded_schema_is_served()
    {
        using var s = MessageSchema.OpenSchemaXml();
        Assert.True(s.Length > 0);
    }
}
