using CrossMargin.Gate.Tests.Fuzz;
using SharpFuzz;

namespace CrossMargin.Fuzz;

/// <summary>
/// afl++ entry point (SharpFuzz fork server): <c>CrossMargin.Fuzz TARGET</c> runs one fuzz target on the
/// input afl-fuzz provides; an exception escaping the target (a broken invariant or a crash) is reported to
/// afl++ as a crash. <c>seeds TARGET DIR [N]</c> writes the seed corpus; <c>replay TARGET FILE…</c> runs
/// saved inputs (findings) without afl, printing the exception.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        if (args.Length >= 3 && args[0] == "seeds")
        {
            int count = args.Length > 3 ? int.Parse(args[3]) : 16;
            Directory.CreateDirectory(args[2]);
            int i = 0;
            foreach (byte[] seed in FuzzInputs.Seeds(args[1], count)) File.WriteAllBytes(Path.Combine(args[2], $"seed-{i++:D3}"), seed);
            Console.WriteLine($"{i} seeds for {args[1]} in {args[2]}");
            return 0;
        }
        if (args.Length >= 3 && args[0] == "replay")
        {
            int failures = 0;
            foreach (string file in args.Skip(2))
            {
                try { FuzzTargets.Run(args[1], File.ReadAllBytes(file)); Console.WriteLine($"{file}: ok"); }
                catch (Exception ex) { failures++; Console.WriteLine($"{file}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}"); }
            }
            return failures == 0 ? 0 : 1;
        }
        if (args.Length != 1 || Array.IndexOf(FuzzTargets.Names, args[0]) < 0)
        {
            Console.Error.WriteLine($"usage: CrossMargin.Fuzz TARGET | seeds TARGET DIR [N] | replay TARGET FILE...\ntargets: {string.Join(", ", FuzzTargets.Names)}");
            return 2;
        }
        string target = args[0];
        var buffer = new MemoryStream();
        Fuzzer.OutOfProcess.Run(stream =>
        {
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            FuzzTargets.Run(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }
}
