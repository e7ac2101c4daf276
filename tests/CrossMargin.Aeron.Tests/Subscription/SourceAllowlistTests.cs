using System.Net;
using CrossMargin.Aeron.Driver.Receiver;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Transport;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sub = CrossMargin.Aeron.Client.Subscription;

namespace CrossMargin.Aeron.Tests.Subscription;

/// <summary>
/// Sources (issue 10): a subscription with an allowlist refuses SETUPs from anyone else (counted), drops their
/// data (counted), and answers RTT measurements only to the publisher of an accepted image.
/// </summary>
public class SourceAllowlistTests
{
    private const int StreamId = 1001;

    // Loopback addresses only: replies (SMs, RTTM replies) really go out to them.
    private static SocketAddressV4 At(string ip, int port = 9) => SocketAddressV4.From(new IPEndPoint(IPAddress.Parse(ip), port));

    private static byte[] Setup(int sessionId) => Infrastructure.TestFrames.Setup(sessionId, StreamId);

    private static byte[] Rttm(int sessionId)
    {
        byte[] frame = new byte[RttMeasurementFlyweight.Length];
        new RttMeasurementFlyweight(frame).Write(FrameFlags.RttmReply, sessionId, StreamId, 123, 0, 0);
        return frame;
    }

    private static byte[] Data(int sessionId)
    {
        byte[] d = new byte[64];
        new DataHeader(d).Write(64, FrameFlags.Unfragmented, FrameType.Data, 0, sessionId, StreamId, 7);
        return d;
    }

    /// <summary>An IPv4 address as a uint and a prefix length.</summary>
    public static Arbitrary<(uint Address, uint Other, int Prefix)> Addresses() =>
        (from a in Gen.Choose(int.MinValue, int.MaxValue)
         from o in Gen.Choose(int.MinValue, int.MaxValue)
         from p in Gen.Choose(0, 32)
         select ((uint)a, (uint)o, p)).ToArbitrary();

    private static string Dotted(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";

    [Property(Arbitrary = [typeof(SourceAllowlistTests)], MaxTest = 500)]
    public void A_CIDR_entry_allows_exactly_the_addresses_sharing_its_prefix((uint Address, uint Other, int Prefix) c)
    {
        var allowlist = SourceAllowlist.Parse($"{Dotted(c.Address)}/{c.Prefix}");
        uint mask = c.Prefix == 0 ? 0 : uint.MaxValue << (32 - c.Prefix);
        Assert.True(allowlist.Allows(At(Dotted(c.Address))));
        Assert.Equal((c.Address & mask) == (c.Other & mask), allowlist.Allows(At(Dotted(c.Other))));
    }

    [Theory]
    [InlineData("10.0.0.1/33", "prefix")]
    [InlineData("10.0.0/8", "IPv4")]
    [InlineData("::1", "IPv4")]
    [InlineData("example.org", "IPv4")]
    [InlineData("10.0.0.1/-1", "prefix")]
    public void Bad_entries_are_refused_with_the_reason(string entry, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => SourceAllowlist.Parse(entry));
        Assert.Contains(reason, ex.Message);
        Assert.Contains(entry, ex.Message);
    }

    [Fact]
    public void An_empty_allowlist_is_refused() => Assert.Throws<FormatException>(() => SourceAllowlist.Parse());

    [Fact]
    public void A_SETUP_from_outside_the_allowlist_is_refused_and_counted_and_one_from_inside_makes_an_image()
    {
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false });
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
        sub.AllowedSources = SourceAllowlist.Parse("127.1.0.0/16");
        sub.Endpoint.Dispatch(Setup(1), At("127.2.0.1"), 0);
        sub.Endpoint.Dispatch(Setup(2), At("127.0.0.1"), 0);
        Assert.Equal(0, sub.ImageCount);
        Assert.Equal(2, sub.SetupsRefused[SetupRefusal.Source]);
        Assert.Equal(0, driver.ImageMemory); // refused before anything was reserved or allocated
        sub.Endpoint.Dispatch(Setup(3), At("127.1.200.9"), 0);
        Assert.Equal(1, sub.ImageCount);
        Assert.Equal(2, sub.SetupsRefused.Total);
    }

    [Fact]
    public void Data_from_outside_the_allowlist_is_dropped_and_counted_even_for_an_accepted_session_id()
    {
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false });
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId);
        sub.AllowedSources = SourceAllowlist.Parse("127.1.2.3");
        sub.Endpoint.Dispatch(Setup(5), At("127.1.2.3"), 0);
        var image = sub.FindImage(5)!;
        sub.Endpoint.Dispatch(Data(5), At("127.6.6.6"), 0); // spoofed session id, wrong source
        Assert.Equal(1, sub.ForeignDatagrams);
        Assert.Equal(image.JoinPosition, image.RebuildPosition);
        sub.Endpoint.Dispatch(Data(5), At("127.1.2.3"), 0);
        Assert.Equal(image.JoinPosition + 64, image.RebuildPosition);
        Assert.Equal(1, sub.ForeignDatagrams);
    }

    [Fact]
    public void RTT_measurements_are_answered_only_to_the_publisher_of_an_accepted_image()
    {
        using var driver = new EmbeddedDriver(new DriverOptions { PreTouchTermBuffers = false });
        Sub sub = driver.AddSubscription("aeron:udp?endpoint=127.0.0.1:0", StreamId); // no allowlist: any source may open an image
        sub.Endpoint.Dispatch(Rttm(9), At("127.0.0.1"), 0);        // no image of session 9: a reflector probe
        Assert.Equal(1, sub.RttmIgnored);
        sub.Endpoint.Dispatch(Setup(9), At("127.0.0.1", 9), 0);
        sub.Endpoint.Dispatch(Rttm(9), At("127.0.0.2", 9), 0);  // right session, another host
        Assert.Equal(2, sub.RttmIgnored);
        sub.Endpoint.Dispatch(Rttm(9), At("127.0.0.1", 9), 0);  // the image's publisher: answered
        Assert.Equal(2, sub.RttmIgnored);
    }
}
