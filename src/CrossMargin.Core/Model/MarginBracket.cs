namespace CrossMargin.Core.Model;

/// <summary>
/// One tier of an instrument's margin table (risk-model §3): notionals up to
/// <see cref="MaxNotional"/> (inclusive) pay <see cref="ImrPpm"/> initial and
/// <see cref="MmrPpm"/> maintenance, less the continuous maintenance amount <see cref="Cum"/>.
/// </summary>
/// <param name="MaxNotional">Upper notional bound of the tier, money micro-units.</param>
/// <param name="ImrPpm">Initial margin rate, ppm.</param>
/// <param name="MmrPpm">Maintenance margin rate, ppm.</param>
/// <param name="Cum">Derived maintenance amount, money micro-units (rounded down once).</param>
public readonly record struct MarginBracket(long MaxNotional, long ImrPpm, long MmrPpm, long Cum);
