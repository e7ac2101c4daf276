using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Gate.Tests.Fuzz;

/// <summary>
/// The fuzz targets under FsCheck in the default run (issue 10): random, truncated, oversized and mutated
/// inputs for every SBE decoder, the Aeron receive and control paths, the config loader, the scenario parser
/// and the journal reader. The coverage-guided afl++ run of the same targets is fuzz/run-afl.sh.
/// </summary>
public class FuzzPropertyTests
{
    private static Property Holds(string target) =>
        Prop.ForAll(FuzzInputs.For(target).ToArbitrary(), data =>
        {
            try
            {
                FuzzTargets.Run(target, data);
                return true.ToProperty();
            }
            catch (Exception ex)
            {
                return false.Label($"{target} on {Convert.ToHexString(data)}: {ex}");
            }
        });

    [Property(MaxTest = 20000)] public Property Input_decoder_never_throws_and_round_trips_what_it_accepts() => Holds("input");
    [Property(MaxTest = 10000)] public Property Output_decoder_never_throws_and_round_trips_what_it_accepts() => Holds("output");
    [Property(MaxTest = 5000)] public Property Snapshot_decoder_never_throws_and_round_trips_what_it_accepts() => Holds("snapshot");
    [Property(MaxTest = 3000)] public Property Input_error_decoder_never_throws_and_round_trips_what_it_accepts() => Holds("input-error");
    [Property(MaxTest = 1000)] public Property Aeron_receive_path_keeps_limits_counts_every_fragment_and_moves_no_state_on_rejects() => Holds("aeron-receive");
    [Property(MaxTest = 1000)] public Property Aeron_publication_control_path_never_throws() => Holds("aeron-control");
    [Property(MaxTest = 2000)] public Property Config_loader_fails_only_with_a_message_naming_the_field() => Holds("config");
    [Property(MaxTest = 1500)] public Property Scenario_parser_refuses_without_state_change_and_never_throws() => Holds("scenario");
    [Property(MaxTest = 1500)] public Property Journal_reader_fails_only_with_invalid_data_naming_the_file() => Holds("journal");

    [Fact]
    public void The_generators_reach_the_accepting_paths_not_only_the_rejects()
    {
        // A fuzz suite that only ever feeds garbage proves little: most seeds must decode / parse / connect.
        int Ok(string target, Func<byte[], bool> accepted) => FuzzInputs.Seeds(target, 50).Count(accepted);
        Assert.True(Ok("input", d => Messages.InputCodec.TryDecode(d, out _, out _) == Messages.DecodeResult.Ok) >= 90);
        Assert.True(Ok("output", d => Messages.OutputCodec.TryDecode(d, out _, out _) == Messages.DecodeResult.Ok) >= 45);
        Assert.True(Ok("journal", d => d.Length > 8) >= 45);
        Assert.True(Config.GateConfig.Parse(System.Text.Encoding.UTF8.GetString(FuzzInputs.Seeds("config", 1).Single())) is not null);
        Assert.True(FuzzInputs.Scenarios.Length >= 5);
        // Aeron seeds connect an image and deliver their messages through the subscription to the engine.
        Assert.All(FuzzInputs.Seeds("aeron-receive", 5), seed => Assert.True(FuzzTargets.AeronReceive(seed) > 0 || seed.Length < 200));
        Assert.True(FuzzInputs.Seeds("aeron-receive", 20).Sum(seed => FuzzTargets.AeronReceive(seed)) >= 50);
    }
}
