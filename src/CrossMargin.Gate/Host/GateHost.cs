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
    /// <summary>Output sequence of this run's first decision (above every number an earlier run used; see <see cref="DecisionLog.RunBase"/>).</summary>
    long FirstDecisionSequence { get; }
    /// <summary>Decision log: decisions logged but not yet sent, and the log's capacity in bytes (telemetry; any thread).</summary>
    (long Pending, long Capacity) DecisionBacklog { get; }
    /// <summary>Order-flow gap recovery (issue 9): gaps outstanding, halted publishers, the last loss; null when <c>aeron.recovery</c> is off.</summary>
    OrderFlowRecovery? Recovery { get; }
    /// <summary>What the on-disk decision log held at start-up; null without a journal.</summary>
    Journal.DecisionJournalState? DecisionJournal { get; }
    /// <summary>Journaled inputs fed through the processor again at start-up because a crash lost their decisions.</summary>
    long RedoInputs { get; }
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
        private readonly RecoveryWiring _recovery = RecoveryWiring.None;
        private readonly GateAgent<TWait> _agent;
        private bool _stopped;

        public Gate(GateConfig config, TWait wait, TIdle idle, DriverOptions? driverOptions, bool trackAllocations)
        {
            Engine = config.BuildEngine();
            if (config.JournalPath is { } path)
            {
                // Restart: check the whole journal (cutting a torn tail), replay it, then keep appending
                // (design.md, "Nothing lost"). A damaged journal or another config stops the start.
                var fingerprint = Journal.ConfigFingerprint.Of(config);
                _journal = Journal.JournalWriter.Open(path, new Journal.JournalOptions(fingerprint, config.JournalDurability, config.JournalSegmentBytes), out var opened);
                JournalOpened = opened;
                // issue 9 (recov): the decision log beside the journal; inputs whose decisions it lacks are fed again (redo).
                var decisionJournal = OpenDecisionJournal(path, fingerprint, opened.NextSequence, out var redo, out long inputBase);
                var replay = Journal.InputJournal.Replay(path, Engine, fingerprint, publishers: Publishers, applyBefore: inputBase); // sender sequences persist across restarts
                if (replay.Error is { } error) { decisionJournal.Dispose(); _journal.Dispose(); throw new Journal.JournalException(error); }
                Counters.Replayed.Set(replay.Records);
                ReplayedPublishers = Publishers.Entries();
                RedoInputs = redo?.Count ?? 0;
                _recovery = _recovery with
                {
                    Journal = decisionJournal, Replayer = new Journal.DecisionReplayer(decisionJournal.Directory), Redo = redo, InputBase = inputBase,
                    LoggedThrough = DecisionJournal!.LastInput, LoggedOfLast = DecisionJournal.DecisionsOfLastInput,
                };
            }
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
            _recovery = WithRecoveryChannels(_recovery, config, _driver, Counters, Publishers); // issue 9 (recov)
            var security = new InboundSecurity(StreamRoles.MarketData, config.Roles == RoleMode.Scenario ? StreamRoles.Any : StreamRoles.OrderFlow, _adminSub, config.HmacKey);
            (_marketDataSub, _orderFlowSub, _decisionsPub, _inboundSize, _outboundSize) = (marketData, orderFlow, decisions, config.InboundRing, config.OutboundRing);
            if (_journal is not null) _rings.AttachJournal(_journal);
            // With a decision journal, output sequences run on from the last one logged (1, 2, 3… across restarts).
            _decisionLog = new DecisionLog(config.DecisionLogBytes, DecisionJournal is { } logged ? logged.LastOutputSequence : DecisionLog.RunBase(DateTimeOffset.UtcNow));
            Counters.LastDecisionSequence.Set(_decisionLog.LastOutputSequence);
            var agent = _agent = new GateAgent<TWait>(_driver, marketData, orderFlow, decisions, _rings, Counters, _decisionLog, Publishers, config.PollerCpu, trackAllocations, security, _recovery);
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
        public IReadOnlyList<PublisherSequences.Entry> ReplayedPublishers { get; } = [];
        public long FirstDecisionSequence => _decisionLog.FirstOutputSequence;
        public (long Pending, long Capacity) DecisionBacklog => (Counters.DecisionsPending.Value, _decisionLog.Capacity);
        public (long Datagrams, long InvalidDatagrams, long NaksReceived, long Retransmits) Transport =>
            (_marketDataSub.DatagramsReceived + (_orderFlowSub.ReceiverId == _marketDataSub.ReceiverId ? 0 : _orderFlowSub.DatagramsReceived),
             _marketDataSub.InvalidDatagrams + _orderFlowSub.InvalidDatagrams, _decisionsPub.NaksReceived, _decisionsPub.RetransmitsSent);
        public long SetupsRefused => _marketDataSub.SetupsRefused.Total + _orderFlowSub.SetupsRefused.Total + (_adminSub?.SetupsRefused.Total ?? 0);
        public long ForeignDatagrams => _marketDataSub.ForeignDatagrams + _orderFlowSub.ForeignDatagrams + (_adminSub?.ForeignDatagrams ?? 0) + _decisionsPub.Sender.ForeignControlFrames;
        public long ImageMemory => _driver.ImageMemory;
        public OrderFlowRecovery? Recovery => _recovery.OrderFlow;
        public Journal.DecisionJournalState? DecisionJournal { get; private set; }
        public long RedoInputs { get; }

        /// <summary>
        /// Opens the decision journal beside the input journal and reads where its decisions stop: the
        /// journal records from <paramref name="inputBase"/> on are fed through the processor again
        /// (<paramref name="redo"/>) so that a crash loses no decision.
        /// </summary>
        private Journal.DecisionJournal OpenDecisionJournal(string path, Journal.ConfigFingerprint fingerprint, long journalNext, out RedoFeed? redo, out long inputBase)
        {
            // The decision log is handed to the OS before each decision is sent (a kill -9 loses none); a power cut can
            // lose its tail, which the redo of the (durable) input journal produces again.
            var journal = Journal.DecisionJournal.Open(path, new Journal.JournalOptions(fingerprint, Journal.DurabilityPolicy.None), journalNext, out var state);
            DecisionJournal = state;
            long from = state.RedoStart;
            inputBase = Math.Min(from, journalNext);
            redo = null;
            if (inputBase >= journalNext) return journal;
            var feed = new RedoFeed();
            var collect = new RedoCollector(feed, inputBase);
            var scan = Journal.JournalReader.Scan(path, fingerprint, false, ref collect);
            if (scan.Error is { } error) { journal.Dispose(); throw new Journal.JournalException(error); }
            redo = feed;
            return journal;
        }

        private readonly struct RedoCollector(RedoFeed feed, long from) : Journal.IJournalVisitor
        {
            public string? OnRecord(long sequence, int sessionId, int streamId, ReadOnlySpan<byte> message)
            {
                if (sequence >= from) feed.Add(sessionId, streamId, message);
                return null;
            }
        }

        /// <summary>The recovery channels (issue 9): RecoveryRequests out to the exchange, decision replay requests in from consumers.</summary>
        private static RecoveryWiring WithRecoveryChannels(RecoveryWiring wiring, GateConfig config, EmbeddedDriver driver, GateCounters counters, PublisherSequences publishers)
        {
            if (config.Recovery is { } recovery)
            {
                var requests = driver.AddPublication(WithTransportParams(recovery.Channel, config), recovery.StreamId);
                requests.Sender.AllowedReceivers = recovery.AllowedSources;
                wiring = wiring with { OrderFlow = new OrderFlowRecovery(publishers, counters, config.RecoveryLimits), Requests = requests };
            }
            if (config.DecisionReplay is { } replay)
            {
                var requests = driver.AddSubscription(replay.Channel, replay.StreamId);
                requests.AllowedSources = replay.AllowedSources;
                wiring = wiring with { ReplayRequests = requests };
            }
            return wiring;
        }

        public bool Stop(TimeSpan timeout)
        {
            if (_stopped) return true;
            _stopped = true;
            _agent.Stopping(); // the decided mark then follows the drain to the end
            bool drained = _rings.Drain(timeout); // the network thread keeps draining the outbound ring meanwhile
            // Then the decision log, while a subscriber takes it (none connected: they stay pending, counted).
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (Counters.DecisionsPending.Value > 0 && _decisionsPub.IsConnected && sw.Elapsed < timeout) Thread.Sleep(1);
            _runner.Dispose();
            bool stopped = _rings.StopProcessor(timeout);
            _agent.FinalMark();
            _journal?.Dispose();
            _recovery.Replayer?.Dispose();
            _recovery.Journal?.Dispose();
            _driver.Dispose();
            return drained && stopped;
        }

        public void Dispose() => Stop(TimeSpan.FromSeconds(10));
    }
}
