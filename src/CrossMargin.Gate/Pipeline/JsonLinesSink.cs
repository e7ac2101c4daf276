using System.Text;
using CrossMargin.Core.Engine;
using CrossMargin.Scenario;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Messages;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// State of a <see cref="JsonLinesSink"/>: the outbound stream rendered as scenario-format JSON lines,
/// byte-identical to <see cref="ScenarioRunner"/>'s stdout for the same inputs.
/// </summary>
/// <remarks>
/// Written by the consumer thread only. Read <see cref="Output"/> and the error fields after
/// <see cref="RiskPipeline{TWait, TConsumer}.Drain"/> or <see cref="RiskPipeline{TWait, TConsumer}.Stop"/>
/// (their acquire reads of the consumer's sequence make the writes visible). A test and diagnostics
/// sink: rendering allocates.
/// </remarks>
public sealed class JsonLinesRecorder
{
    private readonly EventJson _json;
    private readonly StringBuilder _output = new(4096);
    private readonly StringBuilder _line = new(512);
    private readonly bool _stopAtFirstError;

    /// <summary>Creates a recorder rendering with <paramref name="engine"/>'s definitions (asset and instrument ids, tick and lot sizes).</summary>
    /// <param name="engine">The pipeline's engine; only its definitions are read.</param>
    /// <param name="stopAtFirstError">Render nothing after the first input or definition error, like the scenario CLI (which stops there).
    /// When <c>false</c>, rendering goes on and each error is written as a diagnostic line
    /// <c># line {Tag}: {message}</c> (not part of the scenario format).</param>
    public JsonLinesRecorder(RiskEngine engine, bool stopAtFirstError = true)
    {
        _json = new EventJson(engine);
        _stopAtFirstError = stopAtFirstError;
    }

    /// <summary>Every rendered line, each ending in <c>\n</c>.</summary>
    public string Output => _output.ToString();

    /// <summary>Outbound slots seen.</summary>
    public long Seen { get; private set; }

    /// <summary>Whether an input or definition error was seen.</summary>
    public bool HasError { get; private set; }

    /// <summary>Tag of the first erroneous input (a scenario line number).</summary>
    public long FirstErrorTag { get; private set; }

    /// <summary>Inbound sequence of the first erroneous input.</summary>
    public long FirstErrorSequence { get; private set; } = -1;

    /// <summary>Text of the first error: <see cref="ProcessStatusText.Describe"/> or the definition's refusal.</summary>
    public string? FirstErrorMessage { get; private set; }

    /// <summary>Clears the output and the error (only while the pipeline is stopped or drained).</summary>
    public void Clear()
    {
        _output.Clear();
        Seen = 0;
        HasError = false;
        FirstErrorTag = 0;
        FirstErrorSequence = -1;
        FirstErrorMessage = null;
    }

    private SideTables? _tables;
    private AccountSnapshot? _snapshot;

    /// <summary>Binds the recorder to the tables of the pipeline whose slots it renders; before it starts.</summary>
    public void Attach(SideTables tables) => _tables = tables;

    private SideTables Tables => _tables ?? throw new InvalidOperationException("Attach the recorder to its pipeline's tables first.");

    private string? Describe(ref OutboundEvent e) => e.Kind switch
    {
        OutboundKind.InputError when e.DecodeResult == DecodeResult.WrongStream => "refused: this kind of input is not accepted on the stream it arrived on",
        OutboundKind.InputError when e.DecodeResult == DecodeResult.Unauthenticated => "refused: authentication tag missing or wrong",
        OutboundKind.InputError when e.DecodeResult != DecodeResult.Ok => "malformed input: " + e.DecodeResult,
        OutboundKind.InputError => ProcessStatusText.Describe(e.Status),
        _ => Tables.DefinitionErrors[e.ColdIndex],
    };

    private AccountSnapshot DecodeAnswer(ref OutboundEvent e)
    {
        _snapshot ??= new AccountSnapshot(AccountSnapshotCodec.MaxBalances, AccountSnapshotCodec.MaxPositions);
        var r = AccountSnapshotCodec.TryDecode(Tables.Answers.Read(in e), _snapshot, out _);
        if (r != DecodeResult.Ok) throw new InvalidDataException($"answer of input {e.InputSequence} does not decode: {r}");
        return _snapshot;
    }

    /// <summary>Renders one outbound slot (consumer thread).</summary>
    public void Record(ref OutboundEvent e)
    {
        Seen++;
        if (HasError && _stopAtFirstError)
        {
            return;
        }

        switch (e.Kind)
        {
            case OutboundKind.InputError:
            case OutboundKind.DefinitionError:
                if (!HasError)
                {
                    HasError = true;
                    FirstErrorTag = e.Tag;
                    FirstErrorSequence = e.InputSequence;
                    FirstErrorMessage = Describe(ref e);
                }

                if (!_stopAtFirstError)
                {
                    _output.Append("# line ").Append(e.Tag).Append(": ").Append(Describe(ref e)).Append('\n');
                }

                return;
        }

        _line.Clear();
        switch (e.Event.Kind)
        {
            case EventKind.Account: _json.WriteAccount(_line, DecodeAnswer(ref e), "account"); break;
            case EventKind.Fund: _json.WriteAccount(_line, DecodeAnswer(ref e), "fund"); break;
            default: _json.Write(_line, in e.Event, Tables.UnknownInstrumentIds[e.ColdIndex]); break;
        }

        _output.Append(_line).Append('\n');
    }
}

/// <summary>Outbound consumer that renders every event into a <see cref="JsonLinesRecorder"/> (consumer thread).</summary>
/// <param name="recorder">Where the lines go.</param>
public readonly struct JsonLinesSink(JsonLinesRecorder recorder) : IEventHandler<OutboundEvent>
{
    /// <summary>The recorder.</summary>
    public JsonLinesRecorder Recorder => recorder;

    /// <inheritdoc />
    public void OnEvent(ref OutboundEvent data, long sequence, bool endOfBatch) => recorder.Record(ref data);

    /// <inheritdoc />
    public void OnBatchStart(long batchSize)
    {
    }

    /// <inheritdoc />
    public void OnStart()
    {
    }

    /// <inheritdoc />
    public void OnShutdown()
    {
    }
}
