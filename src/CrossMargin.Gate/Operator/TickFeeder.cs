using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Gate.Cli;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Host;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Operator;

/// <summary>Options of <c>crossmargin feed</c>.</summary>
public sealed record FeedOptions
{
    /// <summary>The gate's configuration (channels and instruments).</summary>
    public required GateConfig Config { get; init; }
    /// <summary>CSV file of ticks ('-': stdin); null: a random walk.</summary>
    public string? CsvPath { get; init; }
    /// <summary>Ticks per second.</summary>
    public double Rate { get; init; } = 1000;
    /// <summary>Stop after this many ticks (0: no limit).</summary>
    public int Count { get; init; }
    /// <summary>Stop after this many seconds (0: no limit).</summary>
    public double Seconds { get; init; }
    /// <summary>Instruments of the random walk (empty: all).</summary>
    public IReadOnlyList<string> Instruments { get; init; } = [];
    /// <summary>Largest random-walk step, basis points of the price.</summary>
    public int StepBp { get; init; } = 5;
    /// <summary>Random-walk seed.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// <c>crossmargin feed</c>: publishes mark (and index) ticks on the gate's market-data channel, read
/// from CSV or generated as a random walk, paced to a rate from each tick's intended send time.
/// </summary>
/// <remarks>
/// CSV lines are <c>INSTRUMENT,PRICE</c>, or <c>mark,INSTRUMENT,PRICE</c> / <c>index,ASSET,PRICE</c>;
/// blank lines and lines starting with <c>#</c> are skipped. Each becomes a scenario <c>mark</c> or
/// <c>index</c> input checked against the gate's definitions (ticks, ids) before anything is sent.
/// </remarks>
public static class TickFeeder
{
    /// <summary>Runs the feed; exit 0 when every tick was sent.</summary>
    public static int Execute(FeedOptions o, TextWriter output)
    {
        var config = o.Config;
        var (engine, parser) = ScenarioSender.Catalog(config, 1);
        IEnumerator<RiskInput> ticks = o.CsvPath is { } csv ? FromCsv(csv, parser).GetEnumerator() : RandomWalk(engine, o).GetEnumerator();

        using var stop = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Set(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Set(); });
        using var driver = new EmbeddedDriver();
        var publication = driver.AddPublication(GateHost.WithTransportParams(config.MarketData.Channel, config), config.MarketData.StreamId);
        output.WriteLine($"feed: {(o.CsvPath is null ? $"random walk (±{o.StepBp} bp)" : o.CsvPath)} → {config.MarketData.Channel} stream {config.MarketData.StreamId} at {o.Rate:N0}/s");
        var idle = new BackoffIdleStrategy();
        var connect = Stopwatch.StartNew();
        while (!publication.IsConnected)
        {
            if (stop.IsSet) return 0;
            if (connect.Elapsed > TimeSpan.FromSeconds(10)) throw new CliException($"no gate subscribed to {config.MarketData.Channel} stream {config.MarketData.StreamId} within 10 s", 1);
            idle.Idle(driver.DoWork());
        }
        var buffer = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
        using var authentication = config.HmacKey is { } key ? new MessageAuthentication(key) : null;
        var clock = Stopwatch.StartNew();
        long sent = 0, backPressured = 0, lastReport = 0;
        double maxLagMs = 0;
        while (!stop.IsSet && (o.Count == 0 || sent < o.Count) && (o.Seconds <= 0 || clock.Elapsed.TotalSeconds < o.Seconds))
        {
            // Pace from the intended send time of this tick, not from when the last one went out.
            double due = sent / o.Rate;
            while (clock.Elapsed.TotalSeconds < due && !stop.IsSet)
            {
                driver.DoWork();
                if (due - clock.Elapsed.TotalSeconds > 0.002) Thread.Sleep(1); else Thread.Yield();
            }
            maxLagMs = Math.Max(maxLagMs, (clock.Elapsed.TotalSeconds - due) * 1000);
            if (!ticks.MoveNext()) break;
            int n = InputCodec.Encode(ticks.Current, sent + 1, buffer);
            if (n <= 0) throw new CliException($"tick {sent + 1} cannot be encoded ({n})", 1);
            if (authentication is not null) n = authentication.Sign(buffer, n); // the gate verifies the trailer
            while (publication.Offer(buffer.AsSpan(0, n)) < 0)
            {
                backPressured++;
                if (!publication.IsConnected) throw new CliException($"the gate went away after {sent:N0} ticks", 1);
                driver.DoWork();
            }
            sent++;
            if (clock.ElapsedMilliseconds - lastReport >= 1000)
            {
                lastReport = clock.ElapsedMilliseconds;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sent:N0} ticks, {sent / clock.Elapsed.TotalSeconds:N0}/s"));
            }
        }
        publication.Close(); // end of stream
        var linger = Stopwatch.StartNew();
        while (driver.PublicationCount > 0 && linger.Elapsed < TimeSpan.FromSeconds(2)) idle.Idle(driver.DoWork());
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"feed: sent {sent:N0} ticks in {seconds:F1} s ({sent / Math.Max(seconds, 1e-9):N0}/s of {o.Rate:N0}/s offered); back-pressured offers {backPressured:N0}; worst lag behind schedule {maxLagMs:F1} ms"));
        if (o.Rate * seconds > sent * 1.05 + 1 && !stop.IsSet && (o.Count == 0 || sent < o.Count))
            output.WriteLine("feed: FELL BEHIND the requested rate");
        return 0;
    }

    private static IEnumerable<RiskInput> FromCsv(string path, ScenarioParser parser)
    {
        var lines = CliOptions.ReadLines(path);
        for (int n = 0; n < lines.Count; n++)
        {
            string raw = lines[n].Trim();
            if (raw.Length == 0 || raw[0] == '#') continue;
            string[] f = raw.Split(',', StringSplitOptions.TrimEntries);
            string json = f.Length switch
            {
                2 => $"{{\"type\":\"mark\",\"instrument\":{Quote(f[0])},\"price\":{Quote(f[1])}}}",
                3 when f[0] == "mark" => $"{{\"type\":\"mark\",\"instrument\":{Quote(f[1])},\"price\":{Quote(f[2])}}}",
                3 when f[0] == "index" => $"{{\"type\":\"index\",\"asset\":{Quote(f[1])},\"price\":{Quote(f[2])}}}",
                _ => throw new CliException($"{path}:{n + 1}: expected INSTRUMENT,PRICE or mark|index,ID,PRICE"),
            };
            if (!parser.TryParse(json, out _, out var input, out var error)) throw new CliException($"{path}:{n + 1}: {error}");
            yield return input;
        }
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private static IEnumerable<RiskInput> RandomWalk(RiskEngine engine, FeedOptions o)
    {
        var chosen = new List<int>();
        if (o.Instruments.Count == 0) for (int i = 0; i < engine.InstrumentCount; i++) chosen.Add(i);
        foreach (var id in o.Instruments)
        {
            int i = engine.FindInstrument(id);
            if (i < 0) throw new CliException($"--instrument {id}: not an instrument of the gate's config");
            chosen.Add(i);
        }
        if (chosen.Count == 0) throw new CliException("the gate's config defines no instruments to move");
        var marks = new long[engine.InstrumentCount];
        for (int i = 0; i < marks.Length; i++) marks[i] = engine.GetInstrument(i).MarkTicks;
        var rng = new Random(o.Seed);
        while (true)
        {
            int i = chosen[rng.Next(chosen.Count)];
            var ins = engine.GetInstrument(i);
            long step = Math.Max(1, marks[i] * o.StepBp / 10_000);
            marks[i] = Math.Clamp(marks[i] + rng.NextInt64(-step, step + 1), 1, ins.MaxPriceTicks);
            yield return new RiskInput { Kind = InputKind.Mark, Instrument = i, Price = marks[i] };
        }
    }
}
