using System.Buffers.Binary;
using System.Net;
using System.Text.Json;

namespace CrossMargin.Aeron.Tests.Infrastructure;

/// <summary>Access to the captured vectors copied into the test output.</summary>
public static class Vectors
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Vectors");

    public static byte[] Frame(string name) => File.ReadAllBytes(Path.Combine(Root, "frames", name + ".bin"));

    private static readonly Lazy<JsonElement[]> All = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, "vectors.json")));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    });

    public static IEnumerable<JsonElement> Entries => All.Value;

    public static JsonElement Entry(string name) => All.Value.Single(e => e.GetProperty("name").GetString() == name);

    public static IEnumerable<object[]> Names => All.Value.Select(e => new object[] { e.GetProperty("name").GetString()! });

    public static List<PcapPacket> Pcap(string capture) => PcapReader.Read(Path.Combine(Root, "pcap", capture + ".pcap"));
}

public sealed record PcapPacket(int Number, double Seconds, IPEndPoint Source, IPEndPoint Destination, byte[] Payload);

/// <summary>Minimal classic-pcap reader: Ethernet / IPv4 / UDP only, which is all the captures contain.</summary>
public static class PcapReader
{
    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private const int EthernetHeaderLength = 14;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const byte ProtocolUdp = 17;
    private const int UdpHeaderLength = 8;
    private const uint MagicMicroseconds = 0xa1b2c3d4;
    private const uint MagicNanoseconds = 0xa1b23c4d;

    public static List<PcapPacket> Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        if (magic != MagicMicroseconds && magic != MagicNanoseconds) throw new InvalidDataException("not a little-endian classic pcap");
        double fraction = magic == MagicNanoseconds ? 1e9 : 1e6;
        var packets = new List<PcapPacket>();
        int offset = GlobalHeaderLength;
        double? first = null;
        int number = 0;
        while (offset + RecordHeaderLength <= file.Length)
        {
            uint sec = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));
            uint frac = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 4));
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            var frame = file.AsSpan(offset + RecordHeaderLength, captured);
            offset += RecordHeaderLength + captured;
            number++;
            double t = sec + frac / fraction;
            first ??= t;
            if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypeIpv4) continue;
            var ip = frame[EthernetHeaderLength..];
            int ihl = (ip[0] & 0x0F) * 4;
            if (ip[9] != ProtocolUdp) continue;
            var src = new IPAddress(ip.Slice(12, 4));
            var dst = new IPAddress(ip.Slice(16, 4));
            var udp = ip[ihl..];
            int srcPort = BinaryPrimitives.ReadUInt16BigEndian(udp);
            int dstPort = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
            int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
            byte[] payload = udp.Slice(UdpHeaderLength, udpLength - UdpHeaderLength).ToArray();
            packets.Add(new PcapPacket(number, t - first.Value, new IPEndPoint(src, srcPort), new IPEndPoint(dst, dstPort), payload));
        }
        return packets;
    }
}
