using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrossMargin.Aeron;
using CrossMargin.Concurrency;
using CrossMargin.Aeron.Protocol;
using CrossMargin.Aeron.Client;
using CrossMargin.Aeron.Samples;

// aeron-samples: Aeron's sample programs over the embedded driver, so this transport can be exercised
// against any real Aeron peer (C/Java media driver + samples) from the command line.
return SampleCommandLine.Invoke(args);

internal static class Samples
{
    /// <summary>Closes <paramref name="publications"/> (end of stream) and runs the driver until each has lingered out.</summary>
    public static void CloseAndLinger(EmbeddedDriver driver, params ExclusivePublication[] publications)
    {
        foreach (var p in publications) p.Close();
        var sw = Stopwatch.StartNew();
        while (driver.PublicationCount > 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) driver.DoWork();
    }

    /// <summary>A message length the publication can carry, or a one-line error.</summary>
    private static void CheckLength(ExclusivePublication publication, int length)
    {
        if (length > publication.MaxMessageLength)
            throw new SampleUsageException($"-L {length}: longer than the largest message this channel carries ({publication.MaxMessageLength} bytes = term-length / 8)");
    }

    private static void PrintAvailable(string channel, ImageInfo image) =>
        Console.WriteLine($"Available image on {channel} streamId={image.StreamId} sessionId={image.SessionId} mtu={image.Mtu} term-length={image.TermLength} from {image.SourceIdentity}");

    private static void PrintUnavailable(string channel, ImageInfo image) =>
        Console.WriteLine($"Unavailable image on {channel} streamId={image.StreamId} sessionId={image.SessionId}");

    public static int BasicPublisher(SampleOptions o, CancellationToken stop)
    {
        string channel = o.Channel ?? SampleOptions.DefaultChannel;
        int streamId = o.StreamId ?? SampleOptions.DefaultStreamId;
        long messages = o.Messages ?? 10;
        Console.WriteLine($"Publishing to channel {channel} on Stream ID {streamId}");
        using var driver = new EmbeddedDriver();
        ExclusivePublication publication = driver.AddPublication(channel, streamId);
        var idle = new SleepingIdleStrategy(1);
        byte[] buffer = new byte[256];

        for (long i = 0; i < messages && !stop.IsCancellationRequested; i++)
        {
            int length = Encoding.ASCII.GetBytes($"Hello World! {i}", buffer);
            Console.Write($"offering {i}/{messages} - ");
            long result = publication.Offer(buffer.AsSpan(0, length));
            Console.WriteLine(result switch
            {
                > 0 => "yay!",
                PublicationResult.BackPressured => "Offer failed due to back pressure",
                PublicationResult.NotConnected => "Offer failed because publisher is not connected to a subscriber",
                PublicationResult.AdminAction => "Offer failed due to an administration action in the system",
                PublicationResult.Closed => "Offer failed due to publication being closed",
                _ => $"Offer failed due to unknown reason {result}",
            });
            if (!publication.IsConnected) Console.WriteLine("No active subscribers detected");
            RunFor(driver, idle, TimeSpan.FromSeconds(1), stop);
        }

        Console.WriteLine("Done sending.");
        if (o.LingerMs is > 0)
        {
            Console.WriteLine($"Lingering for {o.LingerMs} milliseconds.");
            RunFor(driver, idle, TimeSpan.FromMilliseconds(o.LingerMs.Value), stop);
        }
        CloseAndLinger(driver, publication);
        return 0;
    }

    private static void RunFor(EmbeddedDriver driver, IIdleStrategy idle, TimeSpan duration, CancellationToken stop)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration && !stop.IsCancellationRequested) idle.Idle(driver.DoWork());
    }

    public static int BasicSubscriber(SampleOptions o, CancellationToken stop)
    {
        string channel = o.Channel ?? SampleOptions.DefaultChannel;
        int streamId = o.StreamId ?? SampleOptions.DefaultStreamId;
        Console.WriteLine($"Subscribing to channel {channel} on Stream ID {streamId}");
        using var driver = new EmbeddedDriver();
        Subscription subscription = driver.AddSubscription(channel, streamId);
        subscription.OnAvailableImage = image => PrintAvailable(channel, image);
        subscription.OnUnavailableImage = image => PrintUnavailable(channel, image);
        FragmentHandler handler = (buffer, in header) =>
            Console.WriteLine($"Message to stream {streamId} from session {header.SessionId} ({buffer.Length} bytes) <<{Encoding.UTF8.GetString(buffer)}>>");
        var idle = new SleepingIdleStrategy(1);
        while (!stop.IsCancellationRequested)
        {
            int work = driver.DoWork();
            work += subscription.Poll(handler, o.FragmentLimit);
            idle.Idle(work);
        }
        Console.WriteLine("Shutting down...");
        return 0;
    }

    public static int Ping(SampleOptions o, CancellationToken stop)
    {
        string pingChannel = o.Channel ?? SampleOptions.DefaultPingChannel;
        string pongChannel = o.PongChannel ?? SampleOptions.DefaultPongChannel;
        int pingStream = o.StreamId ?? SampleOptions.DefaultPingStreamId;
        int pongStream = o.PongStreamId ?? SampleOptions.DefaultPongStreamId;
        long messages = o.Messages ?? 1_000_000;
        long warmUp = o.WarmUp ?? 100_000;
        int length = Math.Max(o.Length ?? 32, sizeof(long));
        Console.WriteLine($"Publishing Ping at {pingChannel} on stream id {pingStream}");
        Console.WriteLine($"Subscribing Pong at {pongChannel} on stream id {pongStream}");
        Console.WriteLine($"Using message length of {length} bytes");

        using var driver = new EmbeddedDriver();
        Subscription pongs = driver.AddSubscription(pongChannel, pongStream);
        ExclusivePublication pings = driver.AddPublication(pingChannel, pingStream);
        CheckLength(pings, length);
        Console.WriteLine("Waiting for new image from Pong...");
        while (!stop.IsCancellationRequested && !(pongs.IsConnected && pings.IsConnected)) driver.DoWork();
        if (stop.IsCancellationRequested) { CloseAndLinger(driver, pings); return 0; }
        PrintAvailable(pongChannel, DescribeFirst(pongs));

        Console.WriteLine($"Warming up the media driver with {warmUp} messages of length {length} bytes");
        var session = new PingSession(driver, pings, pongs, length);
        session.Run(warmUp, null, stop);
        Console.WriteLine($"Pinging {messages} messages of length {length} bytes");
        long[] rtts = new long[messages];
        session.Run(messages, rtts, stop);
        Array.Sort(rtts);
        Console.WriteLine("Histogram of RTT latencies in microseconds.");
        foreach (double p in new[] { 50.0, 90.0, 99.0, 99.9, 99.99, 100.0 })
        {
            long v = rtts[Math.Min(rtts.Length - 1, (int)Math.Ceiling(p / 100 * rtts.Length) - 1)];
            Console.WriteLine($"  p{p,-6} {v / 1000.0,10:F3} us");
        }
        CloseAndLinger(driver, pings);
        return 0;
    }

    private static ImageInfo DescribeFirst(Subscription subscription)
    {
        Image image = subscription.ImageAt(0);
        return new ImageInfo(image.SessionId, image.StreamId, image.InitialTermId, image.TermLength, image.Mtu, image.JoinPosition, image.ControlAddress.ToString());
    }

    /// <summary>Sends a ping, spins the duty cycle until its pong returns, records the RTT.</summary>
    private sealed class PingSession(EmbeddedDriver driver, ExclusivePublication pings, Subscription pongs, int length) : IFragmentHandler
    {
        private readonly byte[] _buffer = new byte[length];
        private bool _received;

        public void Run(long count, long[]? rtts, CancellationToken stop)
        {
            PingSession self = this;
            for (long i = 0; i < count && !stop.IsCancellationRequested; i++)
            {
                long start = NanoClock.NanoTime();
                BinaryPrimitives.WriteInt64LittleEndian(_buffer, start);
                while (pings.Offer(_buffer) < 0)
                {
                    driver.DoWork();
                }
                _received = false;
                while (!_received && !stop.IsCancellationRequested)
                {
                    driver.DoWork();
                    pongs.Poll(ref self, 1);
                }
                if (rtts is not null) rtts[i] = NanoClock.NanoTime() - start;
            }
        }

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header) => _received = true;
    }

    public static int Pong(SampleOptions o, CancellationToken stop)
    {
        string pingChannel = o.Channel ?? SampleOptions.DefaultPingChannel;
        string pongChannel = o.PongChannel ?? SampleOptions.DefaultPongChannel;
        int pingStream = o.StreamId ?? SampleOptions.DefaultPingStreamId;
        int pongStream = o.PongStreamId ?? SampleOptions.DefaultPongStreamId;
        Console.WriteLine($"Subscribing Ping at {pingChannel} on stream id {pingStream}");
        Console.WriteLine($"Publishing Pong at {pongChannel} on stream id {pongStream}");
        using var driver = new EmbeddedDriver();
        Subscription pings = driver.AddSubscription(pingChannel, pingStream);
        pings.OnAvailableImage = image => PrintAvailable(pingChannel, image);
        pings.OnUnavailableImage = image => PrintUnavailable(pingChannel, image);
        ExclusivePublication pongs = driver.AddPublication(pongChannel, pongStream);
        var echo = new Echo(driver, pongs);
        while (!stop.IsCancellationRequested)
        {
            driver.DoWork();
            pings.Poll(ref echo, o.FragmentLimit);
        }
        Console.WriteLine("Shutting down...");
        CloseAndLinger(driver, pongs);
        return 0;
    }

    private struct Echo(EmbeddedDriver driver, ExclusivePublication publication) : IFragmentHandler
    {
        public readonly void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            long result;
            while ((result = publication.Offer(buffer)) < 0 && result != PublicationResult.Closed && result != PublicationResult.NotConnected)
            {
                driver.DoWork();
            }
        }
    }

    public static int Throughput(SampleOptions o, CancellationToken stop)
    {
        string channel = o.Channel ?? "aeron:udp?endpoint=127.0.0.1:20121";
        int streamId = o.StreamId ?? SampleOptions.DefaultStreamId;
        long messages = o.Messages ?? 10_000_000;
        int length = Math.Max(o.Length ?? 32, 0);
        Console.WriteLine($"Streaming {messages} messages of length {length} bytes to {channel} on stream id {streamId} (publisher and subscriber in one duty cycle)");
        using var driver = new EmbeddedDriver();
        Subscription subscription = driver.AddSubscription(channel, streamId);
        ExclusivePublication publication = driver.AddPublication(channel, streamId);
        CheckLength(publication, length);
        while (!stop.IsCancellationRequested && !(publication.IsConnected && subscription.IsConnected)) driver.DoWork();

        byte[] message = new byte[length];
        var counter = new Counter();
        long sent = 0;
        long backPressured = 0;
        var sw = Stopwatch.StartNew();
        long lastReport = 0, lastMessages = 0, lastBytes = 0;
        while (counter.Messages < messages && !stop.IsCancellationRequested)
        {
            for (int burst = 0; burst < 64 && sent < messages; burst++)
            {
                long result = publication.Offer(message);
                if (result > 0) sent++;
                else if (result != PublicationResult.AdminAction) { backPressured++; break; }
            }
            driver.DoWork();
            subscription.Poll(ref counter, 256);
            long now = sw.ElapsedMilliseconds;
            if (now - lastReport >= 1000)
            {
                double seconds = (now - lastReport) / 1000.0;
                PrintRate(now - lastReport, (counter.Messages - lastMessages) / seconds, (counter.Bytes - lastBytes) / seconds, counter.Messages, counter.Bytes);
                lastReport = now; lastMessages = counter.Messages; lastBytes = counter.Bytes;
            }
        }
        double total = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"Total: {counter.Messages} messages in {total:F3} s = {counter.Messages / total:N0} msgs/s, {counter.Bytes / total / 1e6:F1} MB/s payload; back-pressured offers {backPressured}");
        CloseAndLinger(driver, publication);
        return 0;
    }

    public static int StreamingPublisher(SampleOptions o, CancellationToken stop)
    {
        string channel = o.Channel ?? SampleOptions.DefaultChannel;
        int streamId = o.StreamId ?? SampleOptions.DefaultStreamId;
        long messages = o.Messages ?? 10_000_000;
        int length = Math.Max(o.Length ?? 32, 0);
        Console.WriteLine($"Publishing to channel {channel} on Stream ID {streamId}");
        using var driver = new EmbeddedDriver();
        ExclusivePublication publication = driver.AddPublication(channel, streamId);
        CheckLength(publication, length);
        while (!stop.IsCancellationRequested && !publication.IsConnected) driver.DoWork();
        Console.WriteLine($"Streaming {messages} messages of length {length} bytes to {channel} on stream id {streamId}");
        byte[] message = new byte[length];
        long backPressured = 0;
        var sw = Stopwatch.StartNew();
        long lastReport = 0, lastSent = 0;
        for (long sent = 0; sent < messages && !stop.IsCancellationRequested;)
        {
            long result = publication.Offer(message);
            if (result > 0) sent++;
            else
            {
                if (result == PublicationResult.BackPressured) backPressured++;
                else if (result is PublicationResult.NotConnected or PublicationResult.Closed) break;
                driver.DoWork();
            }
            if ((sent & 63) == 0) driver.DoWork();
            long now = sw.ElapsedMilliseconds;
            if (now - lastReport >= 1000)
            {
                double seconds = (now - lastReport) / 1000.0;
                PrintRate(now - lastReport, (sent - lastSent) / seconds, (sent - lastSent) * (double)length / seconds, sent, sent * length);
                lastReport = now; lastSent = sent;
            }
        }
        Console.WriteLine($"Done streaming. Back pressure ratio {(double)backPressured / Math.Max(1, messages):G4}");
        CloseAndLinger(driver, publication);
        return 0;
    }

    public static int RateSubscriber(SampleOptions o, CancellationToken stop)
    {
        string channel = o.Channel ?? SampleOptions.DefaultChannel;
        int streamId = o.StreamId ?? SampleOptions.DefaultStreamId;
        Console.WriteLine($"Subscribing to channel {channel} on Stream ID {streamId}");
        using var driver = new EmbeddedDriver();
        Subscription subscription = driver.AddSubscription(channel, streamId);
        subscription.OnAvailableImage = image => PrintAvailable(channel, image);
        subscription.OnUnavailableImage = image => PrintUnavailable(channel, image);
        var counter = new Counter();
        var sw = Stopwatch.StartNew();
        long lastReport = 0, lastMessages = 0, lastBytes = 0;
        while (!stop.IsCancellationRequested)
        {
            driver.DoWork();
            subscription.Poll(ref counter, Math.Max(o.FragmentLimit, 256));
            long now = sw.ElapsedMilliseconds;
            if (now - lastReport >= 1000)
            {
                double seconds = (now - lastReport) / 1000.0;
                PrintRate(now - lastReport, (counter.Messages - lastMessages) / seconds, (counter.Bytes - lastBytes) / seconds, counter.Messages, counter.Bytes);
                lastReport = now; lastMessages = counter.Messages; lastBytes = counter.Bytes;
            }
        }
        Console.WriteLine("Shutting down...");
        return 0;
    }

    private static void PrintRate(long durationMs, double mps, double bps, long totalMessages, long totalBytes) =>
        // Same shape as Aeron's print_rate_report ("%.04g" -> lower-case exponent).
        Console.WriteLine($"{durationMs}ms, {mps.ToString("G4", CultureInfo.InvariantCulture).ToLowerInvariant()} msgs/sec, " +
                          $"{bps.ToString("G4", CultureInfo.InvariantCulture).ToLowerInvariant()} bytes/sec, totals {totalMessages} messages {totalBytes / (1024 * 1024)} MB payloads");

    private struct Counter : IFragmentHandler
    {
        public long Messages;
        public long Bytes;

        public void OnFragment(ReadOnlySpan<byte> buffer, in FragmentHeader header)
        {
            Messages++;
            Bytes += buffer.Length;
        }
    }
}
