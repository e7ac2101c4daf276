using CrossMargin.Core.Engine;
using CrossMargin.Core.Kernels;
using CrossMargin.Core.Model;
using CrossMargin.Scenario;
using CrossMargin.Disruptor.Processing;
using CrossMargin.Disruptor.WaitStrategies;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// The producer side of a scenario run through the pipeline: parses scenario lines on the producer
/// thread and publishes them in order, definitions included.
/// </summary>
/// <remarks>
/// <para>The parser resolves ids against an engine, but the pipeline's engine belongs to the
/// processor thread. So the feed keeps its own <i>catalog</i> engine: definitions are applied to it
/// by the parser (and published to the processor as <see cref="PipelineDefinition.ScenarioLine"/>),
/// and deposits are applied to it too, because deposits create accounts and the parser checks
/// that a halted account exists. Every other input only goes to the pipeline.</para>
/// <para>Producer thread only. A line that does not parse stops the feed: nothing after it is
/// published (as the scenario CLI stops there). Tags are 1-based line numbers.</para>
/// </remarks>
public sealed class ScenarioFeed
{
    private readonly RiskEngine _catalog;
    private readonly ScenarioParser _parser;

    /// <summary>Creates a feed whose catalog engine has <paramref name="capacities"/> (those of the pipeline's engine).</summary>
    public ScenarioFeed(Capacities capacities)
    {
        _catalog = new RiskEngine(capacities, KernelMode.Scalar);
        _parser = new ScenarioParser(_catalog);
    }

    /// <summary>1-based number of the line that failed to parse, 0 if none.</summary>
    public int ErrorLine { get; private set; }

    /// <summary>Why that line failed.</summary>
    public string? Error { get; private set; }

    /// <summary>Parses and publishes <paramref name="lines"/>; false at the first line that does not parse.</summary>
    public bool Feed<TWait, TConsumer>(IReadOnlyList<string> lines, RiskPipeline<TWait, TConsumer> pipeline)
        where TWait : struct, IWaitStrategy
        where TConsumer : struct, IEventHandler<OutboundEvent>
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(pipeline);
        for (int n = 0; n < lines.Count; n++)
        {
            if (!_parser.TryParse(lines[n], out var kind, out var input, out var error))
            {
                ErrorLine = n + 1;
                Error = error;
                return false;
            }

            switch (kind)
            {
                case LineKind.Definition:
                    pipeline.PublishDefinition(PipelineDefinition.ScenarioLine(lines[n]), n + 1);
                    break;
                case LineKind.Input:
                    if (input.Kind == InputKind.Deposit)
                    {
                        _catalog.Process(input);
                    }

                    pipeline.Publish(in input, n + 1, _parser.LastInstrumentId);
                    break;
            }
        }

        return true;
    }
}

/// <summary>
/// The scenario CLI's contract run through the pipeline: same stdout, same <c>line N: …</c> on
/// stderr, same exit code as <see cref="ScenarioRunner.Run"/>.
/// </summary>
public static class PipelineScenarioRunner
{
    /// <summary>Runs <paramref name="lines"/> through a <see cref="RiskPipeline{TWait, TConsumer}"/> (yielding waits) and a <see cref="JsonLinesSink"/>.</summary>
    /// <param name="lines">The scenario.</param>
    /// <param name="stdout">Events.</param>
    /// <param name="stderr">The error line, if any.</param>
    /// <param name="timeout">Bound on draining and stopping the pipeline.</param>
    /// <param name="options">Ring sizes.</param>
    /// <returns>0, or <see cref="ScenarioRunner.ErrorExitCode"/>.</returns>
    /// <exception cref="TimeoutException">The pipeline did not drain and stop within <paramref name="timeout"/>.</exception>
    public static int Run(IReadOnlyList<string> lines, TextWriter stdout, TextWriter stderr, TimeSpan timeout, RiskPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var capacities = ScenarioRunner.CapacitiesFor(lines);
        var engine = new RiskEngine(capacities);
        var recorder = new JsonLinesRecorder(engine);
        using var pipeline = new RiskPipeline<YieldingWaitStrategy, JsonLinesSink>(engine, new JsonLinesSink(recorder), default, options);
        recorder.Attach(pipeline.Tables);
        pipeline.Start();
        var feed = new ScenarioFeed(capacities);
        feed.Feed(lines, pipeline);
        if (!pipeline.Stop(timeout))
        {
            throw new TimeoutException("The risk pipeline did not drain and stop in time.");
        }

        stdout.Write(recorder.Output);
        stdout.Flush();
        // An engine error precedes any parse error: the feed stopped at the parse error.
        if (recorder.HasError)
        {
            stderr.WriteLine($"line {recorder.FirstErrorTag}: {recorder.FirstErrorMessage}");
            return ScenarioRunner.ErrorExitCode;
        }

        if (feed.ErrorLine > 0)
        {
            stderr.WriteLine($"line {feed.ErrorLine}: {feed.Error}");
            return ScenarioRunner.ErrorExitCode;
        }

        return 0;
    }
}
