using System.Runtime.Intrinsics;
using CrossMargin.Core.Kernels;
using CrossMargin.Scenario;

namespace CrossMargin.Core.Tests;

/// <summary>The worked examples are the spec: stdout must match byte for byte.</summary>
public class ScenarioExampleTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Scenarios");

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Dir, "*.expected.jsonl").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f)[..^".expected.jsonl".Length]);
        return data;
    }

    internal static (int Code, string Stdout, string Stderr) Run(string name, KernelMode kernel = KernelMode.Auto)
    {
        var lines = File.ReadAllLines(Path.Combine(Dir, name + ".jsonl"));
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter();
        int code = ScenarioRunner.Run(lines, stdout, stderr, kernel);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void All_seventeen_examples_are_present()
    {
        Assert.Equal(17, Examples().Count);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_output_matches_the_expected_file_byte_for_byte(string name)
    {
        var (code, stdout, stderr) = Run(name);
        string expected = File.ReadAllText(Path.Combine(Dir, name + ".expected.jsonl"));
        Assert.Equal(expected, stdout);
        if (name.StartsWith("12_", StringComparison.Ordinal))
        {
            Assert.Equal(ScenarioRunner.ErrorExitCode, code);
            Assert.StartsWith("line 5:", stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(0, code);
            Assert.Equal("", stderr);
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_kernel_width_gives_the_same_output(string name)
    {
        var reference = Run(name, KernelMode.Scalar);
        foreach (var mode in new[] { KernelMode.Vector128, KernelMode.Vector256, KernelMode.Vector512 })
        {
            if (mode == KernelMode.Vector512 && !Vector512.IsHardwareAccelerated) continue;
            Assert.Equal(reference, Run(name, mode));
        }
    }

    [Fact]
    public void The_fund_query_shows_its_balance_taken_over_collateral_and_positions()
    {
        // After 11_multi_asset (§6.4 takeover + ADL): 0.9 USD left, 0.1 BTC taken at haircut value, a 1.81 ETH long taken at 2700.
        var lines = File.ReadAllLines(Path.Combine(Dir, "11_multi_asset.jsonl")).Append("{\"type\":\"fund\"}").ToList();
        var stdout = new StringWriter { NewLine = "\n" };
        Assert.Equal(0, ScenarioRunner.Run(lines, stdout, new StringWriter()));
        string last = stdout.ToString().TrimEnd('\n').Split('\n')[^1];
        Assert.Equal("{\"event\":\"fund\",\"health\":\"healthy\",\"equity\":\"1800.9\",\"im\":\"97.74\",\"mm\":\"48.87\",\"openLoss\":\"0\"," +
                     "\"balances\":{\"USD\":\"0.9\",\"BTC\":\"0.1\"},\"positions\":[{\"instrument\":\"ETH-PERP\",\"qty\":\"1.81\",\"basis\":\"4887\",\"upnl\":\"0\",\"isolated\":false}]}", last);
    }
}
