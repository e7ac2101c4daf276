using CrossMargin.Aeron.Client;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Benchmarks;

/// <summary>
/// Sends <c>messages</c> of <c>length</c> bytes to an external subscriber (e.g. the real Aeron C
/// driver with its loss interceptor on) as fast as the window allows, one message per duty cycle,
/// and reports the time from the first offer until the receiver's status messages say everything
/// was consumed, with the NAKs and retransmits it took. For comparing loss repair with the C sender
/// under the same loss (by hand; never in CI).
/// </summary>
public static class LossRepair
{
    public static int Run(string channel, int streamId, int messages, int length)
    {
        using var driver = new EmbeddedDriver();
        ExclusivePublication pub = driver.AddPublication(channel, streamId);
        long deadline = NanoClock.NanoTime() + 10_000_000_000;
        while (!pub.IsConnected)
        {
            if (NanoClock.NanoTime() > deadline) { Console.Error.WriteLine("no subscriber connected in 10 s"); return 1; }
            driver.DoWork();
            Thread.Yield();
        }
        byte[] message = new byte[length];
        long start = NanoClock.NanoTime();
        int sent = 0;
        while (sent < messages)
        {
            // Offer until back-pressured, then one duty cycle: the sender batches what is there into
            // MTU-sized datagrams, as the C sender thread does behind a streaming publisher.
            while (sent < messages)
            {
                BitConverter.TryWriteBytes(message, (long)sent);
                long result = pub.Offer(message);
                if (result == PublicationResult.AdminAction) result = pub.Offer(message);
                if (result < 0) break;
                sent++;
            }
            driver.DoWork();
        }
        long end = pub.Position;
        deadline = NanoClock.NanoTime() + 10_000_000_000;
        while (pub.Sender.ReceiverPosition < end && NanoClock.NanoTime() < deadline) driver.DoWork();
        double ms = (NanoClock.NanoTime() - start) / 1e6;
        Console.WriteLine($"{messages} x {length} B to {channel}: all consumed after {ms:F1} ms (receiver at {pub.Sender.ReceiverPosition}, end {end}); NAKs received {pub.NaksReceived}, " +
                          $"covered {pub.NaksCovered}, retransmits {pub.RetransmitsSent}{(pub.Sender.ReceiverPosition < end ? " (INCOMPLETE)" : "")}");
        pub.Close();
        deadline = NanoClock.NanoTime() + 2_000_000_000;
        while (driver.PublicationCount > 0 && NanoClock.NanoTime() < deadline) driver.DoWork(); // end of stream
        return 0;
    }
}
