using CrossMargin.Scenario;

namespace CrossMargin.Core.Tests;

/// <summary>
/// The scenario CLI tried as a new user would (issue 8, item 6): every input either runs, is
/// answered with a reject, or stops with a specific <c>line N: …</c> error — never a crash, never a
/// wrapped number.
/// </summary>
public class ScenarioCliRobustnessTests
{
    private const string Usd = "{\"type\":\"asset\",\"id\":\"USD\"}";
    private const string Btc = "{\"type\":\"instrument\",\"id\":\"BTC-PERP\",\"tickSize\":\"0.1\",\"lotSize\":\"0.001\",\"brackets\":[{\"maxNotional\":\"50000\",\"imr\":\"0.01\",\"mmr\":\"0.005\"},{\"maxNotional\":\"250000\",\"imr\":\"0.02\",\"mmr\":\"0.01\"}],\"maxPosition\":\"100\",\"maxOrder\":\"10\",\"maxPrice\":\"1000000\",\"priceBand\":\"0.1\",\"mark\":\"50000\"}";

    internal static (int Code, string Stdout, string Stderr) Run(IReadOnlyList<string> lines)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter();
        int code = ScenarioRunner.Run(lines, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs lines that must run to the end without an error; returns stdout.</summary>
    private static string RunClean(IReadOnlyList<string> lines)
    {
        var (code, stdout, stderr) = Run(lines);
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        return stdout;
    }

    private static string Deposit(long account, string amount) => $"{{\"type\":\"deposit\",\"account\":{account},\"asset\":\"USD\",\"amount\":\"{amount}\"}}";

    private static string Order(long account, long id, string qty, string price) =>
        $"{{\"type\":\"order\",\"account\":{account},\"orderId\":{id},\"instrument\":\"BTC-PERP\",\"side\":\"buy\",\"qty\":\"{qty}\",\"price\":\"{price}\"}}";

    [Fact]
    public void A_file_of_more_than_46341_lines_runs_with_capacities_from_its_content_not_lines_squared()
    {
        // 46,341² overflows int: capacities once were lines × lines.
        var lines = new List<string> { Usd, Btc, Deposit(1, "1000") };
        for (int k = 0; k < 46_400; k++) lines.Add("{\"type\":\"mark\",\"instrument\":\"BTC-PERP\",\"price\":\"" + (50_000 + k % 7) + "\"}");
        lines.Add("{\"type\":\"query\",\"account\":1}");
        var cap = ScenarioRunner.CapacitiesFor(lines);
        Assert.Equal(1, cap.Accounts);
        Assert.Equal(1, cap.OrdersPerAccount);
        Assert.StartsWith("{\"event\":\"account\",\"account\":1,\"health\":\"healthy\",\"equity\":\"1000\"", RunClean(lines));
    }

    [Fact]
    public void A_hundred_thousand_lines_with_fifteen_thousand_accounts_placing_orders_are_all_answered()
    {
        var lines = new List<string> { Usd, Btc };
        for (int a = 1; a <= 15_000; a++) lines.Add(Deposit(a, "1000"));
        int orders = 100_000 - lines.Count;
        for (int k = 0; k < orders; k++) lines.Add(Order(1 + k % 15_000, k, "0.001", "50000"));
        var cap = ScenarioRunner.CapacitiesFor(lines);
        Assert.Equal(15_000, cap.Accounts);
        Assert.Equal((orders + 14_999) / 15_000, cap.OrdersPerAccount);
        string stdout = RunClean(lines);
        Assert.Equal(orders, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("{\"event\":\"accepted\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Open_orders_per_account_are_capped_so_accounts_times_orders_stays_sane()
    {
        var lines = new List<string> { Usd, Btc };
        for (int a = 1; a <= 2_000; a++) lines.Add(Deposit(a, "1000"));
        for (int k = 0; k < 5_000; k++) lines.Add(Order(1, k, "0.001", "50000"));
        var cap = ScenarioRunner.CapacitiesFor(lines);
        Assert.Equal(ScenarioRunner.MaxOrderSlots / 2_001, cap.OrdersPerAccount);
        Assert.True((long)(cap.Accounts + 1) * cap.OrdersPerAccount <= ScenarioRunner.MaxOrderSlots);
    }

    [Theory]
    [InlineData("{\"type\":\"deposit\",\"account\":1,\"asset\":\"\\ud800\",\"amount\":\"1\"}")]
    [InlineData("{\"type\":\"query\",\"\\udc00\":1}")]
    [InlineData("{\"type\":\"\\ud800\"}")]
    public void A_lone_surrogate_in_any_string_is_a_line_error_not_a_crash(string bad)
    {
        var (code, stdout, stderr) = Run([Usd, Btc, Deposit(1, "10"), bad, "{\"type\":\"query\",\"account\":1}"]);
        Assert.Equal(ScenarioRunner.ErrorExitCode, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("line 4: a string is not valid UTF-16 text", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_type_values_and_keys_count_like_plain_ones()
    {
        string eth = "{\"type\":\"\\u0069nstrument\",\"id\":\"ETH-PERP\",\"tickSize\":\"0.01\",\"lotSize\":\"0.01\",\"brackets\":[{\"maxNotional\":\"100000\",\"imr\":\"0.02\",\"mmr\":\"0.01\"}],\"maxPosition\":\"1000\",\"maxOrder\":\"100\",\"maxPrice\":\"100000\",\"priceBand\":\"0.1\",\"mark\":\"3000\"}";
        string deposit2 = "{\"type\":\"deposit\",\"\\u0061ccount\":2,\"asset\":\"USD\",\"amount\":\"5\"}";
        var lines = new List<string> { Usd, Btc, eth, Deposit(1, "10"), deposit2, "{\"type\":\"query\",\"account\":2}" };
        var cap = ScenarioRunner.CapacitiesFor(lines);
        Assert.Equal(2, cap.Instruments);
        Assert.Equal(2, cap.Accounts);
        Assert.StartsWith("{\"event\":\"account\",\"account\":2,\"health\":\"healthy\",\"equity\":\"5\"", RunClean(lines));
    }

    [Theory]
    [InlineData("0.000000000000000000000000000001", "50000", "invalid_quantity")]
    [InlineData("99999999999999999999", "50000", "invalid_quantity")]
    [InlineData("-99999999999999999999.5", "50000", "invalid_quantity")]
    [InlineData("0.001", "9223372036854775807", "invalid_price")]
    [InlineData("0.001", "92233720368547758070000", "invalid_price")]
    [InlineData("0.001", "50000.00000000000000000000001", "invalid_price")]
    public void Unrepresentable_order_quantities_and_prices_are_rejects_in_check_order(string qty, string price, string reason)
    {
        Assert.Equal($"{{\"event\":\"rejected\",\"account\":1,\"orderId\":7,\"reason\":\"{reason}\"}}\n", RunClean([Usd, Btc, Deposit(1, "1000"), Order(1, 7, qty, price)]));
    }

    [Fact]
    public void A_malformed_order_decimal_is_still_an_error()
    {
        var (code, _, stderr) = Run([Usd, Btc, Deposit(1, "1000"), Order(1, 7, "1e5", "50000")]);
        Assert.Equal(ScenarioRunner.ErrorExitCode, code);
        Assert.StartsWith("line 4: 'qty': '1e5' is not a decimal", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Funding_that_would_push_a_balance_past_2_pow_56_is_an_error_that_changes_nothing()
    {
        // tickValue 10^6 µ, 1000 lots at 10^7: a notional of 10^16 µ, just under the 2^56 ≈ 7.2·10^16 bound.
        string big = "{\"type\":\"instrument\",\"id\":\"BIG\",\"tickSize\":\"1\",\"lotSize\":\"1\",\"brackets\":[{\"maxNotional\":\"10000000000\",\"imr\":\"0.01\",\"mmr\":\"0.005\"}],\"maxPosition\":\"1000\",\"maxOrder\":\"1000\",\"maxPrice\":\"10000000\",\"priceBand\":\"0.1\",\"mark\":\"10000000\"}";
        var lines = new List<string>
        {
            Usd, big, "{\"type\":\"config\",\"liquidationFeeRate\":\"0\",\"liquidationBuffer\":\"0\",\"insuranceFund\":\"0\"}",
            Deposit(1, "1000000000"), Deposit(2, "60000000000"),
            "{\"type\":\"fill\",\"account\":1,\"instrument\":\"BIG\",\"side\":\"buy\",\"qty\":\"1000\",\"price\":\"10000000\"}",
            "{\"type\":\"fill\",\"account\":2,\"instrument\":\"BIG\",\"side\":\"sell\",\"qty\":\"1000\",\"price\":\"10000000\"}",
        };
        // Rate −1: shorts pay the whole notional (10^10 USD) to longs on every call.
        for (int k = 0; k < 10; k++) lines.Add("{\"type\":\"funding\",\"instrument\":\"BIG\",\"rate\":\"-1\"}");
        lines.Add("{\"type\":\"query\",\"account\":1}");
        var (code, stdout, stderr) = Run(lines);
        Assert.Equal(ScenarioRunner.ErrorExitCode, code);
        // Account 1 holds 10^3 + 7·10^10 USD = 7.0000001·10^16 µ after 7 payments; an 8th would pass 2^56.
        Assert.StartsWith("line 15: ", stderr, StringComparison.Ordinal);
        Assert.Contains("2^56", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\"account\":1,\"from\"", stdout, StringComparison.Ordinal); // account 1 never changes health
    }

    [Fact]
    public void The_engine_refuses_a_funding_past_the_bound_and_leaves_the_state_hash_unchanged()
    {
        var book = new Book(accounts: 4);
        book.Deposit(1, "1000000");
        book.Deposit(2, "1000000");
        book.Fill(1, Book.Btc, Engine.Side.Buy, "100", "50000");
        book.Fill(2, Book.Btc, Engine.Side.Sell, "100", "50000");
        // Push account 1's balance within 5·10^12 µ of the bound.
        for (int k = 0; k < 14; k++)
            book.Step(new Engine.RiskInput { Kind = Engine.InputKind.Deposit, Account = 1, Asset = 0, Amount = 5_000_000_000_000_000 });
        book.Step(new Engine.RiskInput { Kind = Engine.InputKind.Deposit, Account = 1, Asset = 0, Amount = 2_056_590_000_000_000 });
        ulong before = book.Engine.StateHash();
        Assert.True(book.Engine.Figures(1).Equity > (1L << 56) - 5_000_000_000_000);
        // Funding −1 on a 5·10^12 µ notional pays account 1 enough to cross 2^56.
        var status = book.Engine.Process(new Engine.RiskInput { Kind = Engine.InputKind.Funding, Instrument = Book.Btc, Amount = -1_000_000 });
        Assert.Equal(Engine.ProcessStatus.InvalidAmount, status);
        Assert.Equal(0, book.Engine.Events.Count);
        Assert.Equal(before, book.Engine.StateHash());
    }
}
