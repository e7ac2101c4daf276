using System.Reflection;
using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Tests;

/// <summary>The SBE XML schema and the C# layouts cannot drift: every id, offset, size and enum value is compared.</summary>
public class SchemaConformanceTests
{
    private static readonly SchemaModel Schema = SchemaModel.Load();

    private static int Const(Type codec, string name)
    {
        var f = codec.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.FlattenHierarchy)
                ?? throw new Xunit.Sdk.XunitException($"{codec.Name}.{name} is missing");
        return Convert.ToInt32(f.GetRawConstantValue());
    }

    private static IEnumerable<string> OffsetConstants(Type codec) =>
        codec.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.FlattenHierarchy)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Offset", StringComparison.Ordinal)).Select(f => f.Name[..^"Offset".Length]);

    private static void AssertFieldsMatch(string where, Type codec, int blockLength, IReadOnlyList<SchemaModel.Field> fields)
    {
        Assert.True(Const(codec, "BlockLength") == blockLength, $"{where}: blockLength {blockLength} in XML, {Const(codec, "BlockLength")} in C#");
        int end = 0;
        foreach (var f in fields)
        {
            string p = SchemaModel.Pascal(f.Name);
            Assert.True(Const(codec, p + "Offset") == f.Offset, $"{where}.{f.Name}: offset {f.Offset} in XML, {Const(codec, p + "Offset")} in C#");
            Assert.True(Const(codec, p + "Length") == f.Size, $"{where}.{f.Name}: size {f.Size} ({f.Primitive}) in XML, {Const(codec, p + "Length")} in C#");
            Assert.True(f.Offset >= end, $"{where}.{f.Name} overlaps the field before it");
            end = f.Offset + f.Size;
        }
        Assert.True(end <= blockLength, $"{where}: fields end past blockLength");
        Assert.Equal(fields.Select(f => SchemaModel.Pascal(f.Name)).Order(), OffsetConstants(codec).Order());
    }

    [Fact]
    public void The_schema_identifies_itself_as_the_codecs_do()
    {
        var root = Schema.Root;
        Assert.Equal(SchemaModel.Sbe + "messageSchema", root.Name);
        Assert.Equal(MessageSchema.Id, (int)root.Attribute("id")!);
        Assert.Equal(MessageSchema.Version, (int)root.Attribute("version")!);
        Assert.Equal("littleEndian", (string)root.Attribute("byteOrder")!);
        Assert.Equal("crossmargin", (string)root.Attribute("package")!);
    }

    [Fact]
    public void The_header_and_group_composites_match_the_flyweights()
    {
        var types = Schema.Root.Element("types")!;
        string[] Names(string composite) => types.Elements("composite").Single(c => (string)c.Attribute("name")! == composite)
            .Elements("type").Select(t => (string)t.Attribute("name")! + ":" + (string)t.Attribute("primitiveType")!).ToArray();
        Assert.Equal(["blockLength:uint16", "templateId:uint16", "schemaId:uint16", "version:uint16"], Names("messageHeader"));
        Assert.Equal(["blockLength:uint16", "numInGroup:uint16"], Names("groupSizeEncoding"));
        Assert.Equal((0, 2, 4, 6, 8), (MessageHeader.BlockLengthOffset, MessageHeader.TemplateIdOffset, MessageHeader.SchemaIdOffset, MessageHeader.VersionOffset, MessageHeader.Length));
        Assert.Equal((0, 2, 4), (AccountSnapshotCodec.GroupHeader.BlockLengthOffset, AccountSnapshotCodec.GroupHeader.NumInGroupOffset, AccountSnapshotCodec.GroupHeader.Length));
    }

    [Fact]
    public void Every_message_matches_its_codec_in_id_block_length_offsets_and_sizes()
    {
        Assert.Equal(Samples.InputKinds.Length + Samples.EventKinds.Length + 2 + 3, Schema.Messages.Count);
        Assert.Equal(Schema.Messages.Count, Schema.Messages.Select(m => m.Id).Distinct().Count());
        foreach (var m in Schema.Messages)
        {
            var codec = SchemaModel.CodecFor(m.Name);
            Assert.True(Const(codec, "TemplateId") == m.Id, $"{m.Name}: id {m.Id} in XML, {Const(codec, "TemplateId")} in C#");
            AssertFieldsMatch(m.Name, codec, m.BlockLength, m.Fields);
            Assert.Equal(m.Fields.Count, m.Fields.Select(f => f.Id).Distinct().Count());
            foreach (var g in m.Groups)
            {
                var nested = codec.GetNestedType(SchemaModel.Pascal(g.Name), BindingFlags.Public | BindingFlags.NonPublic)
                             ?? throw new Xunit.Sdk.XunitException($"{m.Name}: no nested layout for group {g.Name}");
                AssertFieldsMatch($"{m.Name}.{g.Name}", nested, g.BlockLength, g.Fields);
            }
        }
    }

    [Fact]
    public void Template_ids_follow_the_kinds()
    {
        foreach (var kind in Samples.InputKinds)
        {
            var m = Schema.Messages.Single(x => x.Id == (int)kind);
            Assert.Equal(InputCodec.BlockLengthOf(kind), m.BlockLength);
        }
        foreach (var kind in Samples.EventKinds)
        {
            var m = Schema.Messages.Single(x => x.Id == OutputCodec.TemplateIdBase + (int)kind);
            Assert.Equal(OutputCodec.BlockLengthOf(kind), m.BlockLength);
            Assert.Equal(kind.ToString(), m.Name);
        }
        Assert.Equal("AccountSnapshot", Schema.Messages.Single(x => x.Id == AccountSnapshotCodec.TemplateId).Name);
        Assert.Equal("InputError", Schema.Messages.Single(x => x.Id == InputErrorCodec.TemplateId).Name);
        Assert.Equal("RecoveryRequest", Schema.Messages.Single(x => x.Id == Recovery.RecoveryRequestCodec.TemplateId).Name);
        Assert.Equal("RecoveryUnavailable", Schema.Messages.Single(x => x.Id == Recovery.RecoveryUnavailableCodec.TemplateId).Name);
        Assert.Equal("PublisherResume", Schema.Messages.Single(x => x.Id == Recovery.PublisherResumeCodec.TemplateId).Name);
    }

    [Theory]
    [InlineData("Side", typeof(Side))]
    [InlineData("HealthState", typeof(HealthState))]
    [InlineData("HaltScope", typeof(HaltScope))]
    [InlineData("RejectReason", typeof(RejectReason))]
    [InlineData("ProcessStatus", typeof(ProcessStatus))]
    [InlineData("DecodeResult", typeof(DecodeResult))]
    public void Schema_enums_list_exactly_the_CSharp_values(string schemaEnum, Type clr)
    {
        var expected = Enum.GetValues(clr).Cast<object>().ToDictionary(v => v.ToString()!, v => Convert.ToInt64(v));
        Assert.Equal(expected.OrderBy(p => p.Key), Schema.Enums[schemaEnum].OrderBy(p => p.Key));
    }

    [Fact]
    public void The_decoders_range_checks_cover_every_enum_value()
    {
        Assert.Equal(Wire.LastRejectReason, Enum.GetValues<RejectReason>().Max());
        Assert.Equal(Wire.LastHealthState, Enum.GetValues<HealthState>().Max());
        Assert.Equal(Wire.LastHaltScope, Enum.GetValues<HaltScope>().Max());
        Assert.Equal(Wire.LastProcessStatus, Enum.GetValues<ProcessStatus>().Max());
        Assert.Equal(Wire.LastDecodeResult, Enum.GetValues<DecodeResult>().Max());
        Assert.Equal(new Dictionary<string, long> { ["Cross"] = Wire.MarginModeCross, ["Isolated"] = Wire.MarginModeIsolated }, Schema.Enums["MarginMode"]);
        Assert.Equal(new Dictionary<string, long> { ["F"] = Wire.False, ["T"] = Wire.True }, Schema.Enums["BooleanType"]);
    }

    [Fact]
    public void Group_maxima_in_the_schema_are_the_codecs()
    {
        var snapshot = Schema["AccountSnapshot"];
        var root = Schema.Root.Elements(SchemaModel.Sbe + "message").Single(m => (string)m.Attribute("name")! == "AccountSnapshot");
        string Description(string group) => (string)root.Elements("group").Single(g => (string)g.Attribute("name")! == group).Attribute("description")!;
        Assert.Contains($"At most {AccountSnapshotCodec.MaxBalances} entries", Description("balances"));
        Assert.Contains($"At most {AccountSnapshotCodec.MaxPositions} entries", Description("positions"));
        Assert.Equal(2, snapshot.Groups.Count);
    }
}
