using System.Runtime.CompilerServices;

// The hot loops (processor batch loop, wait strategies, sequencer claim) never rely on
// zero-initialised locals; skipping the init saves work on every call that has a struct local.
[module: SkipLocalsInit]

// The benchmarks measure internal counters without widening the public surface.
[assembly: InternalsVisibleTo("CrossMargin.Disruptor.Benchmarks")]
