using BenchmarkDotNet.Attributes;
using CrossMargin.Core.Engine;
using CrossMargin.Messages;

namespace CrossMargin.Aeron.Benchmarks;

/// <summary>
/// Cost of the optional HMAC-SHA256 trailer on the gate's ingress (issue 10), per message: verifying it before
/// decoding, against decoding alone (the baseline), for an order as the gate receives it and for a plain 64-byte
/// message; and signing, as a sender pays it.
/// </summary>
[MemoryDiagnoser]
public class AuthenticationBenchmarks
{
    private readonly byte[] _key = Enumerable.Range(0, 32).Select(i => (byte)(i * 31 + 7)).ToArray();
    private readonly byte[] _order = new byte[InputCodec.MaxLength + MessageAuthentication.TagLength];
    private readonly byte[] _message64 = new byte[64 + MessageAuthentication.TagLength];
    private int _orderLength, _signedOrderLength;
    private MessageAuthentication _authentication = null!;

    [GlobalSetup]
    public void Setup()
    {
        _authentication = new MessageAuthentication(_key);
        var order = new RiskInput { Kind = InputKind.Order, Account = 17, OrderId = 99, Instrument = 0, Side = Side.Buy, Qty = 5, Price = 500_000 };
        _orderLength = InputCodec.Encode(order, 1, _order);
        _signedOrderLength = _authentication.Sign(_order, _orderLength);
        for (int i = 0; i < 64; i++) _message64[i] = (byte)i;
        _authentication.Sign(_message64, 64);
    }


    [Benchmark(Baseline = true)]
    public long DecodeOrder() => InputCodec.TryDecode(_order.AsSpan(0, _orderLength), out RiskInput input, out long sequence) == DecodeResult.Ok ? input.Account + sequence : -1;

    [Benchmark]
    public long VerifyAndDecodeOrder() =>
        _authentication.TryVerify(_order.AsSpan(0, _signedOrderLength), out var message)
        && InputCodec.TryDecode(message, out RiskInput input, out long sequence) == DecodeResult.Ok ? input.Account + sequence : -1;

    [Benchmark]
    public bool Verify64() => _authentication.TryVerify(_message64, out _);

    /// <summary>The one-shot API (a new keyed context per call), for comparison: why the gate keeps a reset context.</summary>
    [Benchmark]
    public bool Verify64OneShot()
    {
        Span<byte> tag = stackalloc byte[MessageAuthentication.TagLength];
        System.Security.Cryptography.HMACSHA256.HashData(_key, _message64.AsSpan(0, 64), tag);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(tag, _message64.AsSpan(64));
    }

    [Benchmark]
    public int Sign64() => _authentication.Sign(_message64, 64);
}
