using CrossMargin.Core.Engine;
using CrossMargin.Core.Model;
using CrossMargin.Scenario;

namespace CrossMargin.Gate.Pipeline;

/// <summary>
/// A pre-built asset or instrument definition carried by reference through the inbound ring, so the
/// processor thread (the engine's only owner once the pipeline runs) applies it in input order.
/// </summary>
/// <remarks>
/// Definitions are rare start-up operations, not hot: building one allocates, applying one may
/// allocate (instrument tables, JSON parsing of a scenario line). Immutable; safe to publish from
/// the producer thread and apply on the processor thread.
/// </remarks>
public sealed class PipelineDefinition
{
    private enum DefinitionKind : byte { Settlement, Asset, Instrument, ScenarioLine }

    private readonly DefinitionKind _kind;
    private readonly string? _text;
    private readonly AssetSpec? _asset;
    private readonly InstrumentSpec? _instrument;

    private PipelineDefinition(DefinitionKind kind, string? text, AssetSpec? asset, InstrumentSpec? instrument)
    {
        _kind = kind;
        _text = text;
        _asset = asset;
        _instrument = instrument;
    }

    /// <summary>The settlement asset (<see cref="RiskEngine.DefineSettlementAsset"/>); the first definition.</summary>
    public static PipelineDefinition SettlementAsset(string id) => new(DefinitionKind.Settlement, id ?? throw new ArgumentNullException(nameof(id)), null, null);

    /// <summary>A collateral asset (<see cref="RiskEngine.TryDefineAsset"/>).</summary>
    public static PipelineDefinition Asset(AssetSpec spec) => new(DefinitionKind.Asset, null, spec ?? throw new ArgumentNullException(nameof(spec)), null);

    /// <summary>An instrument (<see cref="RiskEngine.TryDefineInstrument"/>).</summary>
    public static PipelineDefinition Instrument(InstrumentSpec spec) => new(DefinitionKind.Instrument, null, null, spec ?? throw new ArgumentNullException(nameof(spec)));

    /// <summary>
    /// An <c>asset</c> or <c>instrument</c> line of the scenario format, applied with the processor's
    /// own <see cref="ScenarioParser"/>. The first scenario-line definition a processor sees must be
    /// the settlement asset line (as in a scenario file).
    /// </summary>
    public static PipelineDefinition ScenarioLine(string line) => new(DefinitionKind.ScenarioLine, line ?? throw new ArgumentNullException(nameof(line)), null, null);

    /// <summary>Applies the definition. Processor thread only (or any thread before the pipeline starts).</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="parser">The processor's scenario parser for <see cref="ScenarioLine"/> definitions, created on first use.</param>
    /// <param name="error">Why the definition was refused.</param>
    internal bool Apply(RiskEngine engine, ref ScenarioParser? parser, out string? error)
    {
        switch (_kind)
        {
            case DefinitionKind.Settlement: return engine.DefineSettlementAsset(_text!, out error);
            case DefinitionKind.Asset: return engine.TryDefineAsset(_asset!, out error);
            case DefinitionKind.Instrument: return engine.TryDefineInstrument(_instrument!, out error);
            default:
                parser ??= new ScenarioParser(engine);
                if (!parser.TryParse(_text!, out var kind, out _, out error)) return false;
                if (kind == LineKind.Definition) return true;
                error = "not an asset or instrument definition";
                return false;
        }
    }
}
