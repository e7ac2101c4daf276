using System.Globalization;

namespace CrossMargin.Aeron.Samples;

/// <summary>
/// Command-line options in the style of Aeron's C samples (<c>-c uri -s stream-id -m messages -L length</c>),
/// hand-parsed so the flags are exactly Aeron's getopt letters.
/// </summary>
internal sealed class SampleOptions
{
    /// <summary>Aeron's sample default channel.</summary>
    public const string DefaultChannel = "aeron:udp?endpoint=localhost:20121";
    /// <summary>Aeron's default ping channel.</summary>
    public const string DefaultPingChannel = "aeron:udp?endpoint=localhost:20123";
    /// <summary>Aeron's default pong channel.</summary>
    public const string DefaultPongChannel = "aeron:udp?endpoint=localhost:20124";
    /// <summary>Aeron's default stream id.</summary>
    public const int DefaultStreamId = 1001;
    /// <summary>Aeron's default ping stream id.</summary>
    public const int DefaultPingStreamId = 1002;
    /// <summary>Aeron's default pong stream id.</summary>
    public const int DefaultPongStreamId = 1003;

    /// <summary>-c: channel (ping: ping channel).</summary>
    public string? Channel { get; private set; }
    /// <summary>-C: pong channel.</summary>
    public string? PongChannel { get; private set; }
    /// <summary>-s: stream id (ping: ping stream).</summary>
    public int? StreamId { get; private set; }
    /// <summary>-S: pong stream id.</summary>
    public int? PongStreamId { get; private set; }
    /// <summary>-m: number of messages.</summary>
    public long? Messages { get; private set; }
    /// <summary>-L: message length.</summary>
    public int? Length { get; private set; }
    /// <summary>-w: warm-up messages.</summary>
    public long? WarmUp { get; private set; }
    /// <summary>-l: linger after the last message, ms.</summary>
    public int? LingerMs { get; private set; }
    /// <summary>-f: fragment limit per poll.</summary>
    public int FragmentLimit { get; private set; } = 10;
    /// <summary>-h was given.</summary>
    public bool Help { get; private set; }

    /// <summary>Parses Aeron-style short options.</summary>
    public static SampleOptions Parse(string[] args)
    {
        var o = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {flag} needs a value");
            switch (flag)
            {
                case "-c": o.Channel = Value(); break;
                case "-C": o.PongChannel = Value(); break;
                case "-s": o.StreamId = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "-S": o.PongStreamId = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "-m": o.Messages = ParseCount(Value()); break;
                case "-L": o.Length = (int)ParseCount(Value()); break;
                case "-w": o.WarmUp = ParseCount(Value()); break;
                case "-l": o.LingerMs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "-f": o.FragmentLimit = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "-p": Value(); break; // aeron.dir prefix: meaningless with an embedded driver, accepted for compatibility
                case "-h": case "--help": o.Help = true; break;
                default: throw new ArgumentException($"unknown option {flag}");
            }
        }
        return o;
    }

    private static long ParseCount(string text)
    {
        long multiplier = 1;
        char last = char.ToLowerInvariant(text[^1]);
        if (last is 'k' or 'm' or 'g')
        {
            multiplier = last switch { 'k' => 1_000L, 'm' => 1_000_000L, _ => 1_000_000_000L };
            text = text[..^1];
        }
        return long.Parse(text, CultureInfo.InvariantCulture) * multiplier;
    }
}
