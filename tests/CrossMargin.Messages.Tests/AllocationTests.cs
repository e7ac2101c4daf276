using CrossMargin.Tests.Shared;
using CrossMargin.Core.Engine;

namespace CrossMargin.Messages.Tests;

/// <summary>Encode and decode allocate nothing after warm-up (design.md: "Decoding never allocates").</summary>
public class AllocationTests
{
    [Fact]
    public void Encoding_and_decoding_every_message_allocates_nothing()
    {
        var r = new Random(17);
        var inputs = Samples.InputKinds.Select(k => Samples.Input(k, r)).ToArray();
        var events = Samples.EventKinds.Select(k => Samples.Event(k, r)).ToArray();
        var snapshot = Samples.NewSnapshot(8, 16);
        Samples.Fill(snapshot, r);
        var into = Samples.NewSnapshot(8, 16);
        var buffer = new byte[AccountSnapshotCodec.MaxLength];
        long checksum = 0;

        void Round()
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                int n = InputCodec.Encode(inputs[i], i, buffer);
                if (InputCodec.TryDecode(buffer.AsSpan(0, n), out var input, out long seq) == DecodeResult.Ok) checksum += seq + input.Account;
            }
            for (int i = 0; i < events.Length; i++)
            {
                int n = OutputCodec.Encode(events[i], i, buffer);
                if (OutputCodec.TryDecode(buffer.AsSpan(0, n), out var e, out long seq) == DecodeResult.Ok) checksum += seq + e.Account;
            }
            int m = AccountSnapshotCodec.Encode(snapshot, 1, buffer);
            if (AccountSnapshotCodec.TryDecode(buffer.AsSpan(0, m), into, out long s) == DecodeResult.Ok) checksum += s;
            m = InputErrorCodec.Encode(2, ProcessStatus.InvalidPrice, DecodeResult.Ok, buffer);
            if (InputErrorCodec.TryDecode(buffer.AsSpan(0, m), out long es, out _, out _) == DecodeResult.Ok) checksum += es;
            // Failure paths too: a truncated and a foreign message.
            checksum += (int)InputCodec.TryDecode(buffer.AsSpan(0, 3), out _, out _);
            checksum += (int)OutputCodec.TryDecode(buffer.AsSpan(0, m), out _, out _);
        }

        for (int w = 0; w < 1000; w++) Round(); // tier up
        Assert.Equal(0, Allocations.LeastOf(3, () => { for (int i = 0; i < 10_000; i++) Round(); }));
        Assert.NotEqual(0, checksum);
    }
}
