using CrossMargin.Core.Scenario;

namespace CrossMargin.Gate;

/// <summary>The <c>crossmargin</c> command line.</summary>
public static class Program
{
    private const string Usage = """
        usage: crossmargin <command> [args]
          scenario FILE|-    run a scenario (JSON lines) through the risk state machine; events to stdout
        """;

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0) { Console.Error.WriteLine(Usage); return 2; }
        switch (args[0])
        {
            case "scenario":
                if (args.Length != 2) { Console.Error.WriteLine("usage: crossmargin scenario FILE|-"); return 2; }
                return RunScenario(args[1]);
            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'\n{Usage}");
                return 2;
        }
    }

    private static int RunScenario(string path)
    {
        List<string> lines;
        try
        {
            using TextReader reader = path == "-" ? Console.In : new StreamReader(path);
            lines = ScenarioRunner.ReadLines(reader);
        }
        catch (IOException ex) { Console.Error.WriteLine($"crossmargin: cannot read '{path}': {ex.Message}"); return 2; }
        catch (UnauthorizedAccessException ex) { Console.Error.WriteLine($"crossmargin: cannot read '{path}': {ex.Message}"); return 2; }
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
        int code = ScenarioRunner.Run(lines, stdout, Console.Error);
        stdout.Flush();
        return code;
    }
}
