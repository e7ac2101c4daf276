using CrossMargin.Aeron;
using CrossMargin.Aeron.Agent;
using CrossMargin.Core.Engine;
using CrossMargin.Disruptor.WaitStrategies;
using CrossMargin.Gate.Config;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Gate.Host;

/// <summary>A running gate: control surface for the host process (cold path).</summary>
public interface IGate : IDisposable
{
    /// <summary>Network thread counters.</summary>
    GateCounters Counters { get; }
    /// <summary>Risk processor counters.</summary>
    RiskProcessorCounters ProcessorCounters { get; }
    /// <summary>The engine; read it only after <see cref="Stop"/>.</summary>
    RiskEngine Engine { get; }
    /// <summary>A fault of the network thread, if it died.</summary>
    Exception? Fault { get; }
    /// <summary>SETUPs refused on market data and order flow (outside the receiver limits, or malformed).</summary>
    long SetupsRefused { get; }
    /// <summary>Bytes the inbound images hold (never above the configured <c>maxTermMemoryMiB</c>).</summary>
    long ImageMemory { get; }
    /// <summary>Drains everything received, then stops both threads. Returns false on timeout.</summary>
    bool Stop(TimeSpan timeout);
}

/// <summary>Builds and starts gates from a <see cref="GateConfig"/>.</summary>
public static class GateHost
{
    /// <summary>
    /// Starts a gate: the engine from the configuration, the rings, the risk processor thread, and
    /// the network thread with an embedded Aeron driver subscribed to market data and order flow
    /// and publishing decisions.
    /// </summary>
    public static IGate Start(GateConfig config, DriverOptions? driverOptions = null) => config.WaitStrategy switch
    {
        "busy-spin" => new Gate<BusySpinWaitStrategy>(config, default, new BusySpinIdleStrategy(), driverOptions),
        "sleeping" => new Gate<SleepingWaitStrategy>(config, default, new BackoffIdleStrategy(), driverOptions),
        "blocking" => new Gate<BlockingWaitStrategy>(config, new BlockingWaitStrategy(), new BackoffIdleStrategy(), driverOptions),
        _ => new Gate<YieldingWaitStrategy>(config, default, new YieldingIdleStrategy(), driverOptions),
    };

    /// <summary>Adds the configured MTU and term length to a channel URI unless it names its own.</summary>
    internal static string WithTransportParams(string channel, GateConfig config)
    {
        if (!channel.Contains("mtu=", StringComparison.Ordinal)) channel += $"|mtu={config.Mtu}";
        if (!channel.Contains("term-length=", StringComparison.Ordinal)) channel += $"|term-length={config.TermLength}";
        return channel;
    }

    private sealed class Gate<TWait> : IGate where TWait : struct, IWaitStrategy
    {
        private readonly RiskRings<TWait> _rings;
        private readonly EmbeddedDriver _driver;
        private readonly AgentRunner _runner;
        private readonly Journal.JournalWriter? _journal;
        private readonly Aeron.Subscriptions.Subscription _marketData, _orderFlow;
        private bool _stopped;

        public Gate(GateConfig config, TWait wait, IIdleStrategy idle, DriverOptions? driverOptions)
        {
            Engine = config.BuildEngine();
            if (config.JournalPath is { } path)
            {
                // Restart: replay what was journaled, then keep appending (design.md, "Nothing lost").
                if (File.Exists(path)) Counters.Replayed = Journal.InputJournal.Replay(path, Engine);
                _journal = new Journal.JournalWriter(path, config.JournalFsync);
            }
            _rings = new RiskRings<TWait>(Engine, wait, new RiskPipelineOptions
            {
                InboundSize = config.InboundRing, OutboundSize = config.OutboundRing, ThreadName = "gate-risk", ProcessorCpu = config.RiskCpu,
            });
            driverOptions ??= new DriverOptions();
            driverOptions.ReceiverLimits = config.ReceiverLimits; // the gate's own bound on what senders may allocate
            _driver = new EmbeddedDriver(driverOptions);
            var marketData = _driver.AddSubscription(config.MarketData.Channel, config.MarketData.StreamId);
            var orderFlow = _driver.AddSubscription(config.OrderFlow.Channel, config.OrderFlow.StreamId);
            var decisions = _driver.AddPublication(WithTransportParams(config.Decisions.Channel, config), config.Decisions.StreamId);
            if (_journal is not null) _rings.AttachJournal(_journal);
            _marketData = marketData;
            _orderFlow = orderFlow;
            var agent = new GateAgent<TWait>(_driver, marketData, orderFlow, decisions, _rings, Counters, config.PollerCpu);
            _rings.StartProcessor(TimeSpan.FromSeconds(10));
            _runner = new AgentRunner(agent, idle);
        }

        public GateCounters Counters { get; } = new();
        public RiskProcessorCounters ProcessorCounters => _rings.Counters;
        public RiskEngine Engine { get; }
        public Exception? Fault => _runner.Fault;
        public long SetupsRefused => _marketData.SetupsRefused.Total + _orderFlow.SetupsRefused.Total;
        public long ImageMemory => _driver.ImageMemory;

        public bool Stop(TimeSpan timeout)
        {
            if (_stopped) return true;
            _stopped = true;
            bool drained = _rings.Drain(timeout); // the network thread keeps draining the outbound ring meanwhile
            _runner.Dispose();
            bool stopped = _rings.StopProcessor(timeout);
            _journal?.Dispose();
            _driver.Dispose();
            return drained && stopped;
        }

        public void Dispose() => Stop(TimeSpan.FromSeconds(10));
    }
}
