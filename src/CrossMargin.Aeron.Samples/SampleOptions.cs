using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CrossMargin.Aeron.Samples;

/// <summary>Values of Aeron's sample options (<c>-c uri -s stream-id -m messages -L length</c>).</summary>
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
    public string? Channel { get; init; }
    /// <summary>-C: pong channel.</summary>
    public string? PongChannel { get; init; }
    /// <summary>-s: stream id (ping: ping stream).</summary>
    public int? StreamId { get; init; }
    /// <summary>-S: pong stream id.</summary>
    public int? PongStreamId { get; init; }
    /// <summary>-m: number of messages.</summary>
    public long? Messages { get; init; }
    /// <summary>-L: message length.</summary>
    public int? Length { get; init; }
    /// <summary>-w: warm-up messages.</summary>
    public long? WarmUp { get; init; }
    /// <summary>-l: linger after the last message, ms.</summary>
    public int? LingerMs { get; init; }
    /// <summary>-f: fragment limit per poll.</summary>
    public int FragmentLimit { get; init; } = 10;
}

/// <summary>Bad usage found after parsing (a channel that cannot carry the asked length): one line, exit 2.</summary>
internal sealed class SampleUsageException(string message) : Exception(message);

/// <summary>
/// The <c>aeron-samples</c> command tree (System.CommandLine) with Aeron's getopt letters: <c>--help</c>
/// on every command on stdout with exit 0, bad arguments one line on stderr with exit 2, a failed run
/// one line with exit 1; Ctrl+C and SIGTERM stop a sample, which then closes its publications (end of stream).
/// </summary>
internal static class SampleCommandLine
{
    private sealed record Spec(string Name, string Description, string Flags, Func<SampleOptions, CancellationToken, int> Run);

    private static readonly Spec[] Commands =
    [
        new("basic-publisher", "publish 'Hello World!' messages, one per second", "csml", global::Samples.BasicPublisher),
        new("basic-subscriber", "print every message received", "csf", global::Samples.BasicSubscriber),
        new("ping", "round-trip latency against a pong (this or Aeron's)", "cCsSmLw", global::Samples.Ping),
        new("pong", "echo pings back", "cCsSf", global::Samples.Pong),
        new("throughput", "publisher and subscriber in one duty cycle: messages/s and MB/s", "csmL", global::Samples.Throughput),
        new("streaming-publisher", "throughput source for a real Aeron rate_subscriber", "csmL", global::Samples.StreamingPublisher),
        new("rate-subscriber", "throughput sink for a real Aeron streaming_publisher", "csf", global::Samples.RateSubscriber),
    ];

    public static int Invoke(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("aeron-samples: no command given; 'aeron-samples --help' lists the commands");
            return 2;
        }
        var root = new RootCommand("Aeron's sample programs over the embedded driver (defaults are Aeron's: channel aeron:udp?endpoint=localhost:20121, stream 1001; ping 20123/1002, pong 20124/1003).");
        foreach (var spec in Commands) root.Subcommands.Add(Build(spec));
        string name = "aeron-samples";
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
            {
                bool atRoot = parsed.CommandResult.Command is RootCommand;
                string message = atRoot && parsed.UnmatchedTokens.Count > 0
                    ? $"unknown command '{parsed.UnmatchedTokens[0]}'; commands: {string.Join(", ", Commands.Select(c => c.Name))}"
                    : (parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0]).Message.ReplaceLineEndings(" ");
                Console.Error.WriteLine($"aeron-samples: {message} (see 'aeron-samples{(atRoot ? "" : " " + parsed.CommandResult.Command.Name)} --help')");
                return 2;
            }
            name = $"aeron-samples {parsed.CommandResult.Command.Name}";
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception ex) when (ex is SampleUsageException or FormatException or ArgumentException)
        {
            Console.Error.WriteLine($"{name}: {ex.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
        catch (SocketException ex)
        {
            Console.Error.WriteLine($"{name}: {ex.SocketErrorCode}: {ex.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{name}: failed: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static Option<T> Opt<T>(string letter, string name, string description) => new($"-{letter}", $"--{name}") { Description = description };

    private static Command Build(Spec spec)
    {
        var cmd = new Command(spec.Name, spec.Description);
        Option<string?>? c = null, bigC = null;
        Option<int?>? s = null, bigS = null, l = null, f = null;
        Option<string?>? m = null, bigL = null, w = null;
        foreach (char flag in spec.Flags)
        {
            switch (flag)
            {
                case 'c': cmd.Options.Add(c = Opt<string?>("c", "channel", spec.Name is "ping" or "pong" ? "ping channel URI" : "channel URI")); break;
                case 'C': cmd.Options.Add(bigC = Opt<string?>("C", "pong-channel", "pong channel URI")); break;
                case 's': cmd.Options.Add(s = Opt<int?>("s", "stream-id", spec.Name is "ping" or "pong" ? "ping stream id" : "stream id")); break;
                case 'S': cmd.Options.Add(bigS = Opt<int?>("S", "pong-stream-id", "pong stream id")); break;
                case 'm': cmd.Options.Add(m = Opt<string?>("m", "messages", "number of messages (k, m, g suffixes)")); break;
                case 'L': cmd.Options.Add(bigL = Opt<string?>("L", "length", "message length in bytes (k, m suffixes)")); break;
                case 'w': cmd.Options.Add(w = Opt<string?>("w", "warm-up", "warm-up messages")); break;
                case 'l': cmd.Options.Add(l = Opt<int?>("l", "linger", "linger after the last message, ms")); break;
                case 'f': cmd.Options.Add(f = Opt<int?>("f", "fragment-limit", "fragments per poll")); break;
            }
        }
        // Aeron's -p (aeron.dir prefix) means nothing with an embedded driver; accepted for compatibility.
        cmd.Options.Add(new Option<string?>("-p", "--prefix") { Description = "aeron.dir prefix (ignored: the driver is embedded)", Hidden = true });
        cmd.SetAction(r =>
        {
            var o = new SampleOptions
            {
                Channel = c is null ? null : r.GetValue(c),
                PongChannel = bigC is null ? null : r.GetValue(bigC),
                StreamId = s is null ? null : r.GetValue(s),
                PongStreamId = bigS is null ? null : r.GetValue(bigS),
                Messages = m is null ? null : Count(r.GetValue(m), "-m", 0, long.MaxValue),
                Length = bigL is null ? null : (int?)Count(r.GetValue(bigL), "-L", 0, int.MaxValue),
                WarmUp = w is null ? null : Count(r.GetValue(w), "-w", 0, long.MaxValue),
                LingerMs = l is null ? null : r.GetValue(l) is { } lv and < 0 ? throw new SampleUsageException($"-l {lv}: must be ≥ 0") : r.GetValue(l),
                FragmentLimit = f is null ? 10 : r.GetValue(f) is { } fv ? (fv > 0 ? fv : throw new SampleUsageException($"-f {fv}: must be ≥ 1")) : 10,
            };
            using var cts = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; cts.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
            return spec.Run(o, cts.Token);
        });
        return cmd;
    }

    /// <summary>A count with an optional k/m/g suffix, within bounds; null when absent.</summary>
    private static long? Count(string? text, string flag, long min, long max)
    {
        if (text is null) return null;
        long multiplier = 1;
        string digits = text;
        char suffix = text.Length > 0 ? char.ToLowerInvariant(text[^1]) : ' ';
        if (suffix is 'k' or 'm' or 'g')
        {
            multiplier = suffix switch { 'k' => 1_000L, 'm' => 1_000_000L, _ => 1_000_000_000L };
            digits = text[..^1];
        }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v > max / multiplier || v * multiplier < min)
            throw new SampleUsageException($"{flag} '{text}': expected a whole number in {min}..{max} (k, m, g suffixes allowed)");
        return v * multiplier;
    }
}
