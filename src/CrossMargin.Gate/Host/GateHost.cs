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
    Journal.RecoveryReport? Restart { get; }
    /// <summary>The snapshot replica (<c>journal.snapshotEvery</c>), or null when snapshots are off.</summary>
    SnapshotReplica? Snapshots { get; }
    /// <summary>Asks the replica for a snapshot now (operator request, e.g. SIGUSR1); false when snapshots are off.</summary>
    bool RequestSnapshot();
    /// <summary>Output sequence of this run's first decision (above every number an earlier run used; see <see cref="DecisionLog.RunBase"/>).</summary>
    long FirstDecisionSequence { get; }
    /// <summary>Decision log: decisions logged but not yet sent, and the log's capacity in bytes (telemetry; any thread).</summary>
    (long Pending, long Capacity) DecisionBacklog { get; }
    /// <summary>Order-flow gap recovery (issue 9): gaps outstanding, halted publishers, the last loss; null when <c>aeron.recovery</c> is off.</summary>
    OrderFlowRecovery? Recovery { get; }
    /// <summary>The publisher halts the journal's <c>publisher-halts</c> file held at start-up, put back in force (empty without a journal or recovery).</summary>
    IReadOnlyList<Journal.PublisherHalt> RestoredHalts { get; }
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
        private readonly SnapshotReplica? _replica;
        private readonly Journal.HaltJournal? _halts;
        private readonly IReadOnlyList<Journal.PublisherHalt> _restore = [];
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
                // The decision log first (issue 9, item 4): inputs from its redo start on lost their decisions in a
                // crash and are fed through the risk processor again, so recovery applies only the inputs before it
                // (and never starts from a snapshot past it).
                // The decision log commits under journal.decisionDurability, by default the input journal's policy (issue 10,
                // item 3): with `batch` a decision sent survives a power cut as its input does.
                // Its fdatasyncs run on the writer's own thread: the network thread holds a decision until it is synced, never blocks.
                var decisionOptions = new Journal.JournalOptions(fingerprint, config.DecisionLogDurability) { SyncOffThread = true };
                // Publisher halts (issue 10, item 1) are read first: a damaged file, or halts this config cannot
                // enforce, refuse the start before anything else is opened.
                var halted = Journal.HaltJournal.ReadHalted(path);
                if (halted.Count > 0 && config.Recovery is null)
                    throw new Journal.JournalException(new Journal.JournalError(Journal.JournalErrorKind.HaltsUnenforceable, Journal.HaltJournal.PathFor(path), -1, 0,
                        $"{halted.Count} publisher(s) halted for new risk ({string.Join("; ", halted)}), but aeron.recovery is off, so nothing would refuse their orders: " +
                        "configure aeron.recovery, or lift the halts with `crossmargin resume --journal DIR` while the gate is stopped"));
                Journal.DecisionJournal? decisionJournal = null;
                long applyBefore = long.MaxValue;
                if (Journal.DecisionJournal.Exists(path))
                {
                    decisionJournal = Journal.DecisionJournal.Open(path, decisionOptions, inputJournalNext: 1, out var existing); // its coverage is on file
                    DecisionJournal = existing;
                    applyBefore = existing.RedoStart;
                }
                if (Journal.JournalRecovery.TryOpen(path, options, () => config.BuildEngine(), useSnapshots: true, out _journal, out var opened, out var recovered, applyBefore) is { } error)
                {
                    decisionJournal?.Dispose();
                    throw new Journal.JournalException(error);
                }
                JournalOpened = opened;
                if (config.Recovery is not null) _halts = Journal.HaltJournal.Open(path, out _restore); // the directory exists now
                Restart = recovered!.Report;
                Engine = recovered.Engine;
                Publishers = recovered.Publishers; // sender sequences persist across restarts
                Counters.Replayed.Set(recovered.Report.SnapshotSequence + recovered.Report.TailRecords);
                ReplayedPublishers = Publishers.Entries();
                if (decisionJournal is null)
                {
                    decisionJournal = Journal.DecisionJournal.Open(path, decisionOptions, opened!.NextSequence, out var created);
                    DecisionJournal = created;
                }
                var redo = CollectRedo(path, fingerprint, opened!.NextSequence, DecisionJournal!.RedoStart, out long inputBase);
                RedoInputs = redo?.Count ?? 0;
                _recovery = _recovery with
                {
                    Journal = decisionJournal, Replayer = new Journal.DecisionReplayer(decisionJournal.Directory), Redo = redo, InputBase = inputBase,
                    LoggedThrough = DecisionJournal!.LastInput, LoggedOfLast = DecisionJournal.DecisionsOfLastInput,
                };
                if (config.JournalSnapshots is { } policy)
                {
                    // The replica snapshots only inputs as durable as the policy makes them (with `none`: handed to
                    // the OS), so a snapshot is never ahead of what a restart finds in the journal — and only inputs
                    // the decided mark covers: the journal runs ahead of the live processor, and a restart feeds the
                    // inputs past the mark through the processor again, so a snapshot past it could not be used.
                    var journal = _journal!;
                    var decisionLog = decisionJournal;
                    long covered = DecisionJournal.CoverageStart - 1; // inputs before the log began need no decision
                    bool synced = config.JournalDurability.Mode != Journal.DurabilityMode.None;
                    _replica = new SnapshotReplica(path, () => config.BuildEngine(), fingerprint,
                        () => Math.Min(synced ? journal.DurableSequence : journal.OsSequence, Math.Max(decisionLog.DecidedThrough, covered)),
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
            _recovery = WithRecoveryChannels(_recovery, config, _driver, Counters, Publishers, _halts); // issue 9 (recov)
            if (_recovery.OrderFlow is { } flow)
            {
                // Before the network thread runs: a restarted gate refuses a halted publisher's new risk from its first message.
                var restored = new List<Journal.PublisherHalt>();
                foreach (var halt in _restore)
                    if (flow.RestoreHalt(halt)) restored.Add(halt);
                RestoredHalts = restored;
            }
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
        public Journal.RecoveryReport? Restart { get; }
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
        public OrderFlowRecovery? Recovery => _recovery.OrderFlow;
        public IReadOnlyList<Journal.PublisherHalt> RestoredHalts { get; } = [];
        public Journal.DecisionJournalState? DecisionJournal { get; private set; }
        public long RedoInputs { get; }

        /// <summary>
        /// The journaled inputs from <paramref name="inputBase"/> (the decision log's redo start, or the journal's
        /// end) on, to feed through the processor again so that a crash loses no decision; null when none.
        /// </summary>
        private static RedoFeed? CollectRedo(string path, Journal.ConfigFingerprint fingerprint, long journalNext, long redoStart, out long inputBase)
        {
            // The decision log is handed to the OS before each decision is sent (a kill -9 loses none); a power cut can
            // lose its tail, which the redo of the (durable) input journal produces again.
            inputBase = Math.Min(redoStart, journalNext);
            if (inputBase >= journalNext) return null;
            var feed = new RedoFeed();
            var collect = new RedoCollector(feed, inputBase);
            var scan = Journal.JournalReader.Scan(path, fingerprint, false, ref collect);
            if (scan.Error is { } error) throw new Journal.JournalException(error);
            return feed;
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
        private static RecoveryWiring WithRecoveryChannels(RecoveryWiring wiring, GateConfig config, EmbeddedDriver driver, GateCounters counters, PublisherSequences publishers,
            Journal.HaltJournal? halts)
        {
            if (config.Recovery is { } recovery)
            {
                var requests = driver.AddPublication(WithTransportParams(recovery.Channel, config), recovery.StreamId);
                requests.Sender.AllowedReceivers = recovery.AllowedSources;
                wiring = wiring with { OrderFlow = new OrderFlowRecovery(publishers, counters, config.RecoveryLimits, halts: halts), Requests = requests };
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
            _replica?.Dispose(); // before the journal it follows closes
            _journal?.Dispose();
            _recovery.Replayer?.Dispose();
            _recovery.Journal?.Dispose();
            _halts?.Dispose(); // the network thread, its one writer, has ended
            _driver.Dispose();
            return drained && stopped;
        }

        public void Dispose() => Stop(TimeSpan.FromSeconds(10));
    }
}
