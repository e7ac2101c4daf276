namespace CrossMargin.Gate;

/// <summary>The <c>crossmargin</c> executable; the commands are in <see cref="Cli.GateCommandLine"/>.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => Cli.GateCommandLine.Invoke(args);
}
