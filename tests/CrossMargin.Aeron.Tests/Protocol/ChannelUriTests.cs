using CrossMargin.Aeron.Uri;

namespace CrossMargin.Aeron.Tests.Protocol;

public class ChannelUriTests
{
    [Fact]
    public void Unicast_channel_with_every_common_parameter_resolves()
    {
        var channel = UdpChannel.Parse("aeron:udp?endpoint=127.0.0.1:40123|interface=127.0.0.1|mtu=8k|term-length=65536|ttl=4|rcv-wnd=32768|nak-delay=50us|session-id=-7|init-term-id=42|linger=200ms");
        Assert.False(channel.IsMulticast);
        Assert.Equal("127.0.0.1:40123", channel.Endpoint.ToString());
        Assert.Equal("127.0.0.1", channel.Interface!.ToString());
        Assert.Equal(8192, channel.Mtu);
        Assert.Equal(65536, channel.TermLength);
        Assert.Equal(4, channel.Ttl);
        Assert.Equal(32768, channel.ReceiverWindow);
        Assert.Equal(50_000, channel.NakDelayNs);
        Assert.Equal(-7, channel.SessionId);
        Assert.Equal(42, channel.InitialTermId);
        Assert.Equal(200_000_000, channel.LingerNs);
    }

    [Fact]
    public void Defaults_are_the_c_drivers()
    {
        var channel = UdpChannel.Parse("aeron:udp?endpoint=localhost:20121");
        Assert.Equal(1408, channel.Mtu);
        Assert.Equal(16 * 1024 * 1024, channel.TermLength);
        Assert.Equal(100_000, channel.NakDelayNs);
        Assert.Null(channel.SessionId);
    }

    [Fact]
    public void Multicast_control_group_is_data_group_plus_one_on_the_same_port()
    {
        var channel = UdpChannel.Parse("aeron:udp?endpoint=224.0.1.1:40456|interface=127.0.0.1/8");
        Assert.True(channel.IsMulticast);
        Assert.Equal("224.0.1.2:40456", channel.ControlGroup!.ToString());
        Assert.Equal("127.0.0.1", channel.Interface!.ToString());
    }

    [Theory]
    [InlineData("aeron:ipc")]
    [InlineData("udp?endpoint=127.0.0.1:1")]
    [InlineData("aeron:udp?interface=127.0.0.1")]
    [InlineData("aeron:udp?endpoint=224.0.1.2:40456")]
    [InlineData("aeron:udp?endpoint=127.0.0.1:1|mtu=1000")]
    [InlineData("aeron:udp?endpoint=127.0.0.1:1|term-length=100000")]
    [InlineData("aeron:udp?endpoint=127.0.0.1")]
    [InlineData("aeron:udp?endpoint")]
    public void Malformed_channels_are_rejected(string text) => Assert.Throws<FormatException>(() => UdpChannel.Parse(text));
}
