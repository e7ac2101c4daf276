using System.Text.RegularExpressions;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>The repository documents itself: links stay inside it and the README names every command of both tools.</summary>
public class DocumentationTests
{
    private static string Root()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "CrossMargin.sln"))) dir = Path.GetDirectoryName(dir);
        Assert.NotNull(dir);
        return dir!;
    }

    public static TheoryData<string> Documents() => new() { "README.md", "docs/operator-guide.md", "docs/risk-model.md", "docs/scenario-format.md", "docs/wire-schema.md" };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_link_points_to_a_file_in_the_repository(string document)
    {
        string root = Root();
        string path = Path.Combine(root, document);
        Assert.True(File.Exists(path), $"{document} is missing");
        foreach (Match m in Regex.Matches(File.ReadAllText(path), @"\]\(([^)\s]+)\)"))
        {
            string target = m.Groups[1].Value.Split('#')[0];
            if (target.Length == 0) continue;
            Assert.False(target.Contains("://", StringComparison.Ordinal), $"{document} links outside the repository: {target}");
            string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
            Assert.True(full.StartsWith(root, StringComparison.Ordinal), $"{document} links outside the repository: {target}");
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{document} links to a missing {target}");
        }
    }

    [Fact]
    public void The_readme_lists_every_command_of_both_tools_and_how_to_build_them()
    {
        string readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        foreach (var c in GateCommands.Names())
            Assert.Contains($"`crossmargin {c}", readme);
        foreach (var c in new[] { "basic-publisher", "basic-subscriber", "ping", "pong", "throughput", "streaming-publisher", "rate-subscriber" })
            Assert.Contains($"`aeron-samples {c}", readme);
        Assert.Contains("dotnet build src/CrossMargin.Gate -c Release", readme);
        Assert.Contains("dotnet build src/CrossMargin.Aeron.Samples -c Release", readme);
    }
}

internal static class GateCommands
{
    public static IEnumerable<string> Names() => Gate.Cli.GateCommandLine.Build().Subcommands.Select(c => c.Name);
}
