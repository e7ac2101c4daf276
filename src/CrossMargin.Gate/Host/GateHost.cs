using CrossMargin.Aeron;
using CrossMargin.Concurrency;
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
    /// <summary>A fault of the network thread, if it died, or of the journal writer.</summary>
    Exception? Fault { get; }
    /// <summary>What opening the journal found (records, a torn tail cut back); null without a journal.</summary>
    Journal.JournalOpenReport? JournalOpened { get; }
    /// <summary>SETUPs refused on the inbound streams (outside the receiver limits, malformed, or from a source not allowed).</summary>
    long SetupsRefused { get; }
    /// <summary>Datagrams dropped because their source is not in the channel's <c>allowedSources</c> (inbound data and decisions' control frames).</summary>
    long ForeignDatagrams { get; }
    /// <summary>Bytes the inbound images hold (never above the configured <c>maxTermMemoryMiB</c>).</summary>
    long ImageMemory { get; }
    /// <summary>Drains everything received, then stops both threads. Returns false on timeout.</summary>
    bool Stop(TimeSpan timeout);
    /// <summary>Inbound ring: slots published but not yet processed, and the ring size (telemetry; any thread).</summary>
    (long Used, int Size) InboundOccupancy { get; }
    /// <summary>Outbound ring: decisions produced but not yet published, and the ring size (telemetry; any thread).</summary>
    (long Used, int Size) OutboundOccupancy { get; }
    /// <summary>Sender sequences and gaps per publisher (Aeron session and stream); read <see cref="PublisherSequences.Entries"/> after <see cref="Stop"/>.</summary>
    PublisherSequences Publishers { get; }
    /// <summary>The publishers and sender sequences the journal replay restored at start-up (empty without a journal), taken before intake started.</summary>
    IReadOnlyList<PublisherSequences.Entry> ReplayedPublishers { get; }
    /// <summary>How the start-up recovered its state: the snapshot used (and any refused), the journal tail applied; null without a journal.</summary>
    Journal.RecoveryReport? Recovery { get; }
    /// <summary>The snapshot replica (<c>journal.snapshotEvery</c>), or null when snapshots are off.</summary>
    SnapshotReplica? Snapshots { get; }
    /// <summary>Asks the replica for a snapshot now (operator request, e.g. SIGUSR1); false when snapshots are off.</summary>
    bool RequestSnapshot();
    /// <summary>Output sequence of this run's first decision (above every number an earlier run used; see <see cref="DecisionLog.RunBase"/>).</summary>
    long FirstDecisionSequence { get; }
    /// <summary>Decision log: decisions logged but not yet sent, and the log's capacity in bytes (telemetry; any thread).</summary>
    (long Pending, long Capacity) DecisionBacklog { get; }
    /// <summary>Aeron-level counts: datagrams received and refused on the inbound channels, NAKs and retransmits on decisions (telemetry; any thread).</summary>
    (long Datagrams, long InvalidDatagrams, long NaksReceived, long Retransmits) Transport { get; }
}

/// <summary>Builds and starts gates from a <see cref="GateConfig"/>.</summary>
public static class GateHost
{
    /// <summary>
    /// Starts a gate: the engine from the configuration, the rings, the risk processor thread, and
    /// the network thread with an embedded Aeron driver subscribed to market data and order flow
    /// and publishing decisions.
    /// </summary>
    /// <param name="config">The gate's configuration.</param>
    /// <param name="driverOptions">Embedded driver timers and sizes; the C driver's defaults when <c>null</c>.</param>
    /// <param name="trackAllocations">Record each gate thread's allocated bytes (<see cref="GateCounters.NetworkThreadAllocatedBytes"/>,
    /// <see cref="RiskProcessorCounters.ProcessorThreadAllocatedBytes"/>) for tests and benchmarks.</param>
    public static IGate Start(GateConfig config, DriverOptions? driverOptions = null, bool trackAllocations = false) => config.WaitStrategy switch
    {
        "busy-spin" => new Gate<BusySpinWaitStrategy, BusySpinIdleStrategy>(config, default, default, driverOptions, trackAllocations),
        "sleeping" => new Gate<SleepingWaitStrategy, BackoffIdleStrategy>(config, default, new BackoffIdleStrategy(), driverOptions, trackAllocations),
        "blocking" => new Gate<BlockingWaitStrategy, BackoffIdleStrategy>(config, new BlockingWaitStrategy(), new BackoffIdleStrategy(), driverOptions, trackAllocations),
        _ => new Gate<YieldingWaitStrategy, YieldingIdleStrategy>(config, default, default, driverOptions, trackAllocations),
    };

    /// <summary>Adds the configured MTU and term length to a channel URI unless it names its own.</summary>
    internal static string WithTransportParams(string channel, GateConfig config)
    {
        if (!channel.Contains("mtu=", StringComparison.Ordinal)) channel += $"|mtu={config.Mtu}";
        if (!channel.Contains("term-length=", StringComparison.Ordinal)) channel += $"|term-length={config.TermLength}";
        return channel;
    }

    private sealed class Gate<TWait, TIdle> : IGate where TWait : struct, IWaitStrategy where TIdle : struct, IIdleStrategy
    {
        private readonly RiskRings<TWait> _rings;
        private readonly EmbeddedDriver _driver;
        private readonly AgentRunner _runner;
        private readonly Journal.JournalWriter? _journal;
        private readonly CrossMargin.Aeron.Client.Subscription _marketDataSub, _orderFlowSub;
        private readonly CrossMargin.Aeron.Client.Subscription? _adminSub;
        private readonly CrossMargin.Aeron.Client.ExclusivePublication _decisionsPub;
        private readonly int _inboundSize, _outboundSize;
        private readonly DecisionLog _decisionLog;
        private readonly SnapshotReplica? _replica;
        private bool _stopped;

        public Gate(GateConfig config, TWait wait, TIdle idle, DriverOptions? driverOptions, bool trackAllocations)
        {
            if (config.JournalPath is { } path)
            {
                // Restart (design.md, "Nothing lost"): the newest snapshot that proves itself, then the journal
                // tail after it, in one pass that also checks every record and cuts a torn tail; then keep
                // appending. A damaged journal or another config stops the start; a bad snapshot falls back
                // to an older one or the whole journal (JournalRecovery).
                var fingerprint = Journal.ConfigFingerprint.Of(config);
                var options = new Journal.JournalOptions(fingerprint, config.JournalDurability, config.JournalSegmentBytes);
                if (Journal.JournalRecovery.TryOpen(path, options, () => config.BuildEngine(), useSnapshots: true, out _journal, out var opened, out var recovered) is { } error)
                    throw new Journal.JournalException(error);
                JournalOpened = opened;
                Recovery = recovered!.Report;
                Engine = recovered.Engine;
                Publishers = recovered.Publishers; // sender sequences persist across restarts
                Counters.Replayed.Set(recovered.Report.SnapshotSequence + recovered.Report.TailRecords);
                ReplayedPublishers = Publishers.Entries();
                if (config.JournalSnapshots is { } policy)
                {
                    // The replica snapshots only inputs as durable as the policy makes them (with `none`: handed to
                    // the OS), so a snapshot is never ahead of what a restart finds in the journal.
                    var journal = _journal!;
                    bool synced = config.JournalDurability.Mode != Journal.DurabilityMode.None;
                    _replica = new SnapshotReplica(path, () => config.BuildEngine(), fingerprint, synced ? () => journal.DurableSequence : () => journal.OsSequence,
                        policy, recovered.Report.Snapshot, sync: synced);
                }
            }
            else Engine = config.BuildEngine();
            _rings = new RiskRings<TWait>(Engine, wait, new RiskPipelineOptions
            {
                InboundSize = config.InboundRing, OutboundSize = config.OutboundRing, ThreadName = "gate-risk", ProcessorCpu = config.RiskCpu,
                TrackAllocations = trackAllocations,
            });
            driverOptions ??= new DriverOptions();
            driverOptions.ReceiverLimits = config.ReceiverLimits; // the gate's own bound on what senders may allocate
            _driver = new EmbeddedDriver(driverOptions);
            var marketData = _driver.AddSubscription(config.MarketData.Channel, config.MarketData.StreamId);
            var orderFlow = _driver.AddSubscription(config.OrderFlow.Channel, config.OrderFlow.StreamId);
            var decisions = _driver.AddPublication(WithTransportParams(config.Decisions.Channel, config), config.Decisions.StreamId);
            // Sources (issue 10): strangers' SETUPs are refused, their data dropped, and they get no control replies.
            marketData.AllowedSources = config.MarketData.AllowedSources;
            orderFlow.AllowedSources = config.OrderFlow.AllowedSources;
            decisions.Sender.AllowedReceivers = config.Decisions.AllowedSources;
            if (config.Admin is { } admin)
            {
                _adminSub = _driver.AddSubscription(admin.Channel, admin.StreamId);
                _adminSub.AllowedSources = admin.AllowedSources;
            }
            var security = new InboundSecurity(StreamRoles.MarketData, config.Roles == RoleMode.Scenario ? StreamRoles.Any : StreamRoles.OrderFlow, _adminSub, config.HmacKey);
            (_marketDataSub, _orderFlowSub, _decisionsPub, _inboundSize, _outboundSize) = (marketData, orderFlow, decisions, config.InboundRing, config.OutboundRing);
            if (_journal is not null) _rings.AttachJournal(_journal);
            _decisionLog = new DecisionLog(config.DecisionLogBytes, DecisionLog.RunBase(DateTimeOffset.UtcNow));
            Counters.LastDecisionSequence.Set(_decisionLog.LastOutputSequence);
            var agent = new GateAgent<TWait>(_driver, marketData, orderFlow, decisions, _rings, Counters, _decisionLog, Publishers, config.PollerCpu, trackAllocations, security);
            _rings.StartProcessor(TimeSpan.FromSeconds(10));
            _runner = AgentRunner.Start(agent, idle);
        }

        public GateCounters Counters { get; } = new();
        public RiskProcessorCounters ProcessorCounters => _rings.Counters;
        public RiskEngine Engine { get; }
        public Exception? Fault => _runner.Fault ?? _journal?.Fault;
        public Journal.JournalOpenReport? JournalOpened { get; }
        public (long Used, int Size) InboundOccupancy => (Math.Max(0, _rings.PublishedSequence - _rings.ProcessedSequence), _inboundSize);
        public (long Used, int Size) OutboundOccupancy => (Math.Max(0, _rings.OutboundSequencer.Cursor.Value - _rings.ConsumedSequence), _outboundSize);
        public PublisherSequences Publishers { get; } = new();
        public Journal.RecoveryReport? Recovery { get; }
        public SnapshotReplica? Snapshots => _replica;
        public bool RequestSnapshot()
        {
            _replica?.Request();
            return _replica is not null;
        }
        public IReadOnlyList<PublisherSequences.Entry> ReplayedPublishers { get; } = [];
        public long FirstDecisionSequence => _decisionLog.FirstOutputSequence;
        public (long Pending, long Capacity) DecisionBacklog => (Counters.DecisionsPending.Value, _decisionLog.Capacity);
        public (long Datagrams, long InvalidDatagrams, long NaksReceived, long Retransmits) Transport =>
            (_marketDataSub.DatagramsReceived + (_orderFlowSub.ReceiverId == _marketDataSub.ReceiverId ? 0 : _orderFlowSub.DatagramsReceived),
             _marketDataSub.InvalidDatagrams + _orderFlowSub.InvalidDatagrams, _decisionsPub.NaksReceived, _decisionsPub.RetransmitsSent);
        public long SetupsRefused => _marketDataSub.SetupsRefused.Total + _orderFlowSub.SetupsRefused.Total + (_adminSub?.SetupsRefused.Total ?? 0);
        public long ForeignDatagrams => _marketDataSub.ForeignDatagrams + _orderFlowSub.ForeignDatagrams + (_adminSub?.ForeignDatagrams ?? 0) + _decisionsPub.Sender.ForeignControlFrames;
        public long ImageMemory => _driver.ImageMemory;

        public bool Stop(TimeSpan timeout)
        {
            if (_stopped) return true;
            _stopped = true;
            bool drained = _rings.Drain(timeout); // the network thread keeps draining the outbound ring meanwhile
            // Then the decision log, while a subscriber takes it (none connected: they stay pending, counted).
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (Counters.DecisionsPending.Value > 0 && _decisionsPub.IsConnected && sw.Elapsed < timeout) Thread.Sleep(1);
            _runner.Dispose();
            bool stopped = _rings.StopProcessor(timeout);
            _replica?.Dispose(); // before the journal it follows closes
            _journal?.Dispose();
            _driver.Dispose();
            return drained && stopped;
        }

        public void Dispose() => Stop(TimeSpan.FromSeconds(10));
    }
}
