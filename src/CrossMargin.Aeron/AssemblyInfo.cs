using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("CrossMargin.Aeron.Benchmarks")]
