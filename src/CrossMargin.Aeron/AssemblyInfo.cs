using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("CrossMargin.Aeron.Benchmarks")]
// The parser fuzz properties and the afl++ harness feed datagrams straight into the receive path (no socket).
[assembly: InternalsVisibleTo("CrossMargin.Aeron.Tests")]
[assembly: InternalsVisibleTo("CrossMargin.Fuzz")]
[assembly: InternalsVisibleTo("CrossMargin.Gate.Tests")]
