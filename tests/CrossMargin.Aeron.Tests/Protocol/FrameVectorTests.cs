using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Tests.Infrastructure;

namespace CrossMargin.Aeron.Tests.Protocol;

/// <summary>Every captured frame decodes to its documented fields and re-encodes byte for byte.</summary>
public class FrameVectorTests
{
    public static IEnumerable<object[]> VectorNames => Vectors.Names;

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Captured_frame_bytes_match_the_hex_in_vectors_json(string name)
    {
        byte[] bin = Vectors.Frame(name);
        JsonElement entry = Vectors.Entry(name);
        Assert.Equal(entry.GetProperty("hex").GetString(), Convert.ToHexStringLower(bin));
        Assert.Equal(entry.GetProperty("udp_payload_length").GetInt32(), bin.Length);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Every_frame_decodes_to_its_documented_fields(string name)
    {
        byte[] datagram = Vectors.Frame(name);
        foreach (JsonElement expected in Vectors.Entry(name).GetProperty("frames").EnumerateArray())
        {
            int offset = expected.GetProperty("offset_in_datagram").GetInt32();
            Dictionary<string, object> decoded = Decode(datagram.AsSpan(offset));
            foreach (JsonProperty property in expected.EnumerateObject())
            {
                if (property.Name == "offset_in_datagram") continue;
                Assert.True(decoded.ContainsKey(property.Name), $"{name}: decoder did not produce '{property.Name}'");
                Assert.Equal(Normalise(property.Value), decoded[property.Name].ToString());
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Every_datagram_re_encodes_byte_identically(string name)
    {
        byte[] datagram = Vectors.Frame(name);
        byte[] encoded = new byte[datagram.Length];
        foreach (JsonElement expected in Vectors.Entry(name).GetProperty("frames").EnumerateArray())
        {
            int offset = expected.GetProperty("offset_in_datagram").GetInt32();
            Encode(expected, datagram.AsSpan(offset), encoded.AsSpan(offset));
        }
        Assert.Equal(Convert.ToHexStringLower(datagram), Convert.ToHexStringLower(encoded));
    }

    private static string Normalise(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetInt64().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String when value.GetString()!.StartsWith("0x", StringComparison.Ordinal) =>
            Convert.ToInt32(value.GetString()![2..4], 16).ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String when value.GetString()!.Contains('(') => value.GetString()![..value.GetString()!.IndexOf('(')],
        JsonValueKind.Array => string.Join(";", value.EnumerateArray().Select(e => string.Join(",", e.EnumerateObject().Select(p => $"{p.Name}={Normalise(p.Value)}")))),
        _ => value.GetString()!,
    };

    /// <summary>Decodes one frame with the library's flyweights into the field names vectors.json uses.</summary>
    private static Dictionary<string, object> Decode(ReadOnlySpan<byte> readOnly)
    {
        Span<byte> frame = readOnly.ToArray();
        var header = new FrameHeader(frame);
        var fields = new Dictionary<string, object>
        {
            ["frame_length"] = header.FrameLength,
            ["version"] = header.Version,
            ["flags"] = header.Flags,
            ["type"] = header.Type,
        };
        switch (header.Type)
        {
            case FrameType.Data:
            case FrameType.Pad:
            {
                var data = new DataHeader(frame);
                fields["term_offset"] = data.TermOffset;
                fields["session_id"] = data.SessionId;
                fields["stream_id"] = data.StreamId;
                fields["term_id"] = data.TermId;
                fields["reserved_value"] = data.ReservedValue;
                fields["payload_len"] = data.Payload.Length;
                break;
            }
            case FrameType.Setup:
            {
                var setup = new SetupFlyweight(frame);
                fields["term_offset"] = setup.TermOffset;
                fields["session_id"] = setup.SessionId;
                fields["stream_id"] = setup.StreamId;
                fields["initial_term_id"] = setup.InitialTermId;
                fields["active_term_id"] = setup.ActiveTermId;
                fields["term_length"] = setup.TermLength;
                fields["mtu"] = setup.Mtu;
                fields["ttl"] = setup.Ttl;
                break;
            }
            case FrameType.StatusMessage:
            {
                var sm = new StatusMessageFlyweight(frame);
                fields["session_id"] = sm.SessionId;
                fields["stream_id"] = sm.StreamId;
                fields["consumption_term_id"] = sm.ConsumptionTermId;
                fields["consumption_term_offset"] = sm.ConsumptionTermOffset;
                fields["receiver_window"] = sm.ReceiverWindow;
                fields["receiver_id"] = sm.ReceiverId;
                break;
            }
            case FrameType.Nak:
            {
                var nak = new NakFlyweight(frame);
                fields["session_id"] = nak.SessionId;
                fields["stream_id"] = nak.StreamId;
                fields["term_id"] = nak.TermId;
                fields["term_offset"] = nak.TermOffset;
                fields["length"] = nak.GapLength;
                break;
            }
            case FrameType.RttMeasurement:
            {
                var rttm = new RttMeasurementFlyweight(frame);
                fields["session_id"] = rttm.SessionId;
                fields["stream_id"] = rttm.StreamId;
                fields["echo_timestamp"] = rttm.EchoTimestamp;
                fields["reception_delta"] = rttm.ReceptionDelta;
                fields["receiver_id"] = rttm.ReceiverId;
                break;
            }
            case FrameType.Error:
            {
                var error = new ErrorFlyweight(frame);
                fields["session_id"] = error.SessionId;
                fields["stream_id"] = error.StreamId;
                fields["receiver_id"] = error.ReceiverId;
                fields["group_tag"] = error.GroupTag;
                fields["error_code"] = error.ErrorCode;
                fields["error_length"] = error.ErrorLength;
                fields["error_text"] = Encoding.ASCII.GetString(error.ErrorText);
                break;
            }
            case FrameType.ResponseSetup:
            {
                var rsp = new ResponseSetupFlyweight(frame);
                fields["session_id"] = rsp.SessionId;
                fields["stream_id"] = rsp.StreamId;
                fields["response_session_id"] = rsp.ResponseSessionId;
                break;
            }
            case FrameType.Resolution:
            {
                var entries = new List<string>();
                int offset = FrameHeader.Length;
                while (offset < header.FrameLength)
                {
                    var entry = new ResolutionEntryFlyweight(frame[offset..]);
                    string addr = entry.ResType == ResolutionEntryFlyweight.TypeIpv4 ? new IPAddress(entry.Address).ToString() : Convert.ToHexStringLower(entry.Address);
                    entries.Add($"res_type={entry.ResType},res_flags={entry.ResFlags},udp_port={entry.UdpPort},age_in_ms={entry.AgeInMs},addr={addr}," +
                                $"name_length={entry.NameLength},name={Encoding.ASCII.GetString(entry.Name)},entry_len_aligned={entry.EntryLength}");
                    offset += entry.EntryLength;
                }
                fields["entries"] = string.Join(";", entries);
                break;
            }
        }
        return fields;
    }

    /// <summary>Builds one frame from its documented fields with the flyweights' Write methods.</summary>
    private static void Encode(JsonElement f, ReadOnlySpan<byte> original, Span<byte> output)
    {
        int I(string n) => f.GetProperty(n).GetInt32();
        long L(string n) => f.GetProperty(n).GetInt64();
        byte flags = (byte)Convert.ToInt32(f.GetProperty("flags").GetString()![2..4], 16);
        short type = short.Parse(f.GetProperty("type").GetString()!.Split('(')[0], CultureInfo.InvariantCulture);
        switch (type)
        {
            case FrameType.Data:
            case FrameType.Pad:
            {
                new DataHeader(output).Write(I("frame_length"), flags, type, I("term_offset"), I("session_id"), I("stream_id"), I("term_id"), L("reserved_value"));
                if (type == FrameType.Data && I("frame_length") > DataHeader.Length)
                {
                    original[DataHeader.Length..I("frame_length")].CopyTo(output[DataHeader.Length..]);
                }
                break;
            }
            case FrameType.Setup:
                new SetupFlyweight(output).Write(flags, I("term_offset"), I("session_id"), I("stream_id"), I("initial_term_id"), I("active_term_id"), I("term_length"), I("mtu"), I("ttl"));
                break;
            case FrameType.StatusMessage:
                new StatusMessageFlyweight(output).Write(flags, I("session_id"), I("stream_id"), I("consumption_term_id"), I("consumption_term_offset"), I("receiver_window"), L("receiver_id"));
                break;
            case FrameType.Nak:
                new NakFlyweight(output).Write(I("session_id"), I("stream_id"), I("term_id"), I("term_offset"), I("length"));
                break;
            case FrameType.RttMeasurement:
                new RttMeasurementFlyweight(output).Write(flags, I("session_id"), I("stream_id"), L("echo_timestamp"), L("reception_delta"), L("receiver_id"));
                break;
            case FrameType.Error:
                new ErrorFlyweight(output).Write(flags, I("session_id"), I("stream_id"), L("receiver_id"), L("group_tag"), I("error_code"), Encoding.ASCII.GetBytes(f.GetProperty("error_text").GetString()!));
                break;
            case FrameType.ResponseSetup:
                new ResponseSetupFlyweight(output).Write(I("session_id"), I("stream_id"), I("response_session_id"));
                break;
            case FrameType.Resolution:
            {
                new FrameHeader(output).Write(I("frame_length"), flags, type);
                int offset = FrameHeader.Length;
                foreach (JsonElement e in f.GetProperty("entries").EnumerateArray())
                {
                    var entry = new ResolutionEntryFlyweight(output[offset..]);
                    entry.ResType = (byte)e.GetProperty("res_type").GetInt32();
                    entry.ResFlags = (byte)Convert.ToInt32(e.GetProperty("res_flags").GetString()![2..4], 16);
                    entry.UdpPort = (ushort)e.GetProperty("udp_port").GetInt32();
                    entry.AgeInMs = e.GetProperty("age_in_ms").GetInt32();
                    IPAddress.Parse(e.GetProperty("addr").GetString()!).TryWriteBytes(entry.Address, out _);
                    entry.NameLength = (short)e.GetProperty("name_length").GetInt32();
                    Encoding.ASCII.GetBytes(e.GetProperty("name").GetString()!).CopyTo(entry.Name);
                    offset += entry.EntryLength;
                }
                break;
            }
            default:
                throw new InvalidOperationException($"no encoder for type {type}");
        }
    }
}
