using BenchmarkDotNet.Running;
using CrossMargin.Aeron.Benchmarks;

// Modes:
//   latency [messages]            Aeron ping-pong RTT vs raw UDP ping-pong (same payload, same run) with HdrHistogram,
//                                 then throughput for 32 / 288 / 1344 B; GC counts for every measured part
//   gate-rtt [seconds]            order round trip exchange -> gate -> risk -> exchange over loopback at fixed offered
//                                 rates (10k/100k/500k inputs/s), from each order's intended send time, against raw UDP
//                                 at the same rates and a raw UDP ping-pong of the same payload, all in one run
//   loss-send <channel> <stream> [messages] [length]
//                                 send to an external subscriber (e.g. the C driver with loss on) and time until all
//                                 is consumed, with NAKs and retransmits (loss repair against the C driver, by hand)
//   bdn [BenchmarkDotNet args]    micro-benchmarks (frame codecs, offer+poll per message, HMAC trailer) with [MemoryDiagnoser]
string mode = args.Length > 0 ? args[0] : "latency";
switch (mode)
{
    case "bdn":
        BenchmarkSwitcher.FromTypes([typeof(FrameCodecBenchmarks), typeof(OfferPollBenchmarks), typeof(AuthenticationBenchmarks)]).Run(args[1..]);
        return 0;
    case "latency":
        int messages = args.Length > 1 && int.TryParse(args[1], out int m) && m > 0 ? m : 200_000;
        return LatencyHarness.Run(messages);
    case "loss-send" when args.Length >= 3:
        return LossRepair.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
            args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2000,
            args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 32);
    case "gate-rtt":
        double seconds = args.Length > 1 && double.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 2;
        return OrderRoundTrip.Run(seconds);
    default:
        Console.Error.WriteLine("usage: CrossMargin.Aeron.Benchmarks latency [messages] | gate-rtt [seconds] | bdn [BenchmarkDotNet args]");
        return 2;
}
