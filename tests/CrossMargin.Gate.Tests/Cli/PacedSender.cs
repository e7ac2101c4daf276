using System.Diagnostics;
using CrossMargin.Aeron;
using CrossMargin.Aeron.Client;
using CrossMargin.Gate.Config;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>
/// An exchange-side sender on its own driver: encodes inputs next.. and offers them at a steady
/// pace; it also consumes decisions, keeping each one's output sequence (the frame's reserved value).
/// </summary>
internal sealed class PacedSender : IDisposable
{
    private readonly EmbeddedDriver _driver = new();
    private readonly ExclusivePublication _orderFlow;
    private readonly Subscription _decisions;
    private readonly byte[] _buffer = new byte[InputCodec.MaxLength];
    private readonly int _btc, _eth;
    private DelegateFragmentHandler _onDecision;

    public PacedSender(GateConfig config, int btc, int eth, List<long> outputSequences)
    {
        _orderFlow = _driver.AddPublication(config.OrderFlow.Channel, config.OrderFlow.StreamId);
        _decisions = _driver.AddSubscription(config.Decisions.Channel, config.Decisions.StreamId);
        _onDecision = new DelegateFragmentHandler((ReadOnlySpan<byte> _, in CrossMargin.Aeron.Protocol.FragmentHeader h) => outputSequences.Add(h.ReservedValue));
        (_btc, _eth) = (btc, eth);
    }

    /// <summary>Takes the decisions that arrived.</summary>
    public int Consume()
    {
        int n = 0, k;
        while ((k = _decisions.Poll(ref _onDecision, 256)) > 0) n += k;
        return n + _driver.DoWork();
    }

    /// <summary>Sequence (1-based) of the last input offered.</summary>
    public long Sent { get; private set; }

    public void Connect(long resumeAfter)
    {
        Sent = resumeAfter;
        var sw = Stopwatch.StartNew();
        while (!_orderFlow.IsConnected)
        {
            Assert.True(sw.Elapsed < CrashRestartTests.Timeout, "the sender never connected");
            if (_driver.DoWork() == 0) Thread.Sleep(1);
        }
    }

    /// <summary>Offers inputs up to <paramref name="last"/> (or until <paramref name="stop"/>), 64 per millisecond at most.</summary>
    public void Run(long last, Func<bool> stop)
    {
        while (Sent < last && !stop())
        {
            for (int k = 0; k < 64 && Sent < last; k++)
            {
                int n = InputCodec.Encode(CrashRestartTests.InputAt(Sent, _btc, _eth), Sent + 1, _buffer);
                if (_orderFlow.Offer(_buffer.AsSpan(0, n)) < 0) break; // back-pressured, or the gate is gone
                Sent++;
            }
            Consume();
            Thread.Sleep(1);
        }
        for (int k = 0; k < 20; k++) Consume();
    }

    public void Dispose() => _driver.Dispose();
}

