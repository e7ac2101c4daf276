namespace CrossMargin.Gate.Tests.Fuzz;

/// <summary>
/// Every input a fuzzer found that broke an invariant, kept as a regression test: Fuzz/Findings/TARGET/*.bin
/// must run clean through its target (afl++ crash inputs are saved here too, named after what they broke).
/// </summary>
public class FuzzFindingTests
{
    public static TheoryData<string, string> Findings()
    {
        var data = new TheoryData<string, string>();
        string root = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Findings");
        foreach (string dir in Directory.GetDirectories(root).Order())
            foreach (string file in Directory.GetFiles(dir, "*.bin").Order())
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void A_saved_finding_runs_clean(string target, string file)
    {
        // overlapping-layouts (aeron-receive): one region sent twice with different frame layouts left payload bytes
        //   where the rebuild scan expected a header; Poll sliced a negative length (ArgumentOutOfRangeException).
        // config-fund-long-min (journal): a config record with insurance fund long.MinValue; Math.Abs threw
        //   OverflowException out of RiskEngine.Process.
        // snapshot-as-output-event (output, afl++): a harness false positive kept as a test of the contract that an
        //   account snapshot decodes through OutputCodec to an Account event, whose body AccountSnapshotCodec reads.
        FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fuzz", "Findings", target, file)));
    }

    [Fact]
    public void There_are_saved_findings() => Assert.True(Findings().Count >= 3);
}
