using CrossMargin.Scenario;
using CrossMargin.Gate.Pipeline;

namespace CrossMargin.Gate.Tests;

public sealed class PipelineScenarioTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestSupport.ScenarioDirectory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            if (!path.EndsWith(".expected.jsonl", StringComparison.Ordinal)) data.Add(Path.GetFileNameWithoutExtension(path));
        }

        return data;
    }

    [Fact]
    public void Every_worked_example_is_present()
    {
        Assert.Equal(17, Examples().Count);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Pipeline_output_equals_the_scenario_cli_and_the_expected_file_byte_for_byte(string name)
    {
        AssertSameAsCli(name, options: null);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Pipeline_with_two_slot_rings_still_equals_the_scenario_cli(string name)
    {
        // Rings smaller than an input's outputs force wrap-around and back-pressure on both rings.
        AssertSameAsCli(name, new RiskPipelineOptions { InboundSize = 2, OutboundSize = 2 });
    }

    private static void AssertSameAsCli(string name, RiskPipelineOptions? options)
    {
        string dir = TestSupport.ScenarioDirectory;
        var lines = ScenarioRunner.ReadLines(new StringReader(File.ReadAllText(Path.Combine(dir, name + ".jsonl"))));
        string expected = File.ReadAllText(Path.Combine(dir, name + ".expected.jsonl"));

        var cliOut = new StringWriter { NewLine = "\n" };
        var cliErr = new StringWriter { NewLine = "\n" };
        int cliCode = ScenarioRunner.Run(lines, cliOut, cliErr);

        var pipeOut = new StringWriter { NewLine = "\n" };
        var pipeErr = new StringWriter { NewLine = "\n" };
        int pipeCode = PipelineScenarioRunner.Run(lines, pipeOut, pipeErr, TestSupport.Timeout, options);

        Assert.Equal(expected, cliOut.ToString());
        Assert.Equal(cliOut.ToString(), pipeOut.ToString());
        Assert.Equal(expected, pipeOut.ToString());
        Assert.Equal(cliCode, pipeCode);
        Assert.Equal(cliErr.ToString(), pipeErr.ToString());
        if (name.StartsWith("12_", StringComparison.Ordinal))
        {
            Assert.Equal(ScenarioRunner.ErrorExitCode, pipeCode);
            Assert.StartsWith("line 5:", pipeErr.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(0, pipeCode);
        }
    }
}
