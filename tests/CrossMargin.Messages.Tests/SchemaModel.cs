using System.Xml.Linq;

namespace CrossMargin.Messages.Tests;

/// <summary>The SBE XML schema read back with System.Xml.Linq, the way a third party's code generator would see it.</summary>
internal sealed class SchemaModel
{
    public static readonly XNamespace Sbe = "http://fixprotocol.io/2016/sbe";

    private static readonly Dictionary<string, int> PrimitiveSizes = new()
    {
        ["char"] = 1, ["int8"] = 1, ["uint8"] = 1, ["int16"] = 2, ["uint16"] = 2,
        ["int32"] = 4, ["uint32"] = 4, ["int64"] = 8, ["uint64"] = 8, ["float"] = 4, ["double"] = 8,
    };

    public sealed record Field(string Name, int Id, string Type, string Primitive, int Offset, int Size, IReadOnlyDictionary<string, long>? EnumValues);
    public sealed record Group(string Name, int Id, int BlockLength, IReadOnlyList<Field> Fields);
    public sealed record Message(string Name, int Id, int BlockLength, IReadOnlyList<Field> Fields, IReadOnlyList<Group> Groups);

    public XElement Root { get; }
    public IReadOnlyList<Message> Messages { get; }
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Enums { get; }
    private readonly Dictionary<string, string> _primitiveOf = new();

    public static SchemaModel Load()
    {
        using var stream = MessageSchema.OpenSchemaXml();
        return new SchemaModel(XDocument.Load(stream).Root!);
    }

    private SchemaModel(XElement root)
    {
        Root = root;
        var types = root.Element("types")!;
        foreach (var t in types.Elements("type")) _primitiveOf[(string)t.Attribute("name")!] = (string)t.Attribute("primitiveType")!;
        var enums = new Dictionary<string, IReadOnlyDictionary<string, long>>();
        foreach (var e in types.Elements("enum"))
        {
            string name = (string)e.Attribute("name")!;
            _primitiveOf[name] = (string)e.Attribute("encodingType")!;
            enums[name] = e.Elements("validValue").ToDictionary(v => (string)v.Attribute("name")!, v => long.Parse(v.Value.Trim()));
        }
        Enums = enums;
        Messages = root.Elements(Sbe + "message").Select(m => new Message(
            (string)m.Attribute("name")!, (int)m.Attribute("id")!, (int)m.Attribute("blockLength")!,
            Fields(m), m.Elements("group").Select(g => new Group((string)g.Attribute("name")!, (int)g.Attribute("id")!,
                (int)g.Attribute("blockLength")!, Fields(g))).ToList())).ToList();
    }

    private List<Field> Fields(XElement parent) => parent.Elements("field").Select(f =>
    {
        string type = (string)f.Attribute("type")!;
        string primitive = _primitiveOf.TryGetValue(type, out var p) ? p : type;
        Enums.TryGetValue(type, out var values);
        return new Field((string)f.Attribute("name")!, (int)f.Attribute("id")!, type, primitive,
            (int)f.Attribute("offset")!, PrimitiveSizes[primitive], values);
    }).ToList();

    public Message this[string name] => Messages.Single(m => m.Name == name);

    /// <summary>The C# codec type mirroring a message (internal per-message codecs, or the public ones).</summary>
    public static Type CodecFor(string messageName)
    {
        var asm = typeof(InputCodec).Assembly;
        return asm.GetType($"CrossMargin.Messages.Inputs.{messageName}Codec")
            ?? asm.GetType($"CrossMargin.Messages.Outputs.{messageName}Codec")
            ?? asm.GetType($"CrossMargin.Messages.{messageName}Codec")
            ?? asm.GetType($"CrossMargin.Messages.Recovery.{messageName}Codec")
            ?? throw new InvalidOperationException($"no codec for message {messageName}");
    }

    public static string Pascal(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    /// <summary>A value of an enum field that no validValue uses (a bool field's 2, a side's 0).</summary>
    public static long InvalidValueOf(Field f)
    {
        var used = f.EnumValues!.Values.ToHashSet();
        for (long v = 0; ; v++) if (!used.Contains(v)) return v;
    }
}
