using CrossMargin.Core.Model;

namespace CrossMargin.Bench.Risk;

/// <summary>
/// The naive baseline for the margin sums: the way a first attempt writes it. One heap object per
/// position in a <see cref="List{T}"/> per account, accounts in a dictionary, <c>decimal</c> money,
/// LINQ sums, and a mark that walks every account and recomputes its sums from its positions.
/// Same rules as the engine for a position without open orders (risk-model §2–§3): uPnL = q·mark·tv − basis,
/// MM = ceil(N·mmr) − cum, IM = ceil(N·imr), all in µ; the test suite checks its sums equal the engine's.
/// </summary>
public sealed class NaiveBook
{
    /// <summary>A position.</summary>
    public sealed class Position
    {
        /// <summary>Instrument id.</summary>
        public required string Instrument { get; init; }
        /// <summary>Signed quantity in lots.</summary>
        public decimal Qty { get; set; }
        /// <summary>Cost basis, µ (q · entry price · tick value).</summary>
        public decimal Basis { get; set; }
        /// <summary>Unrealised PnL at the last mark, µ.</summary>
        public decimal Upnl { get; set; }
        /// <summary>Initial margin at the last mark, µ.</summary>
        public decimal Im { get; set; }
        /// <summary>Maintenance margin at the last mark, µ.</summary>
        public decimal Mm { get; set; }
    }

    /// <summary>An account.</summary>
    public sealed class Account
    {
        /// <summary>Settlement balance, µ.</summary>
        public decimal Balance { get; set; }
        /// <summary>Positions.</summary>
        public List<Position> Positions { get; } = [];
        /// <summary>Balance + Σ uPnL, µ.</summary>
        public decimal Equity { get; set; }
        /// <summary>Σ IM, µ.</summary>
        public decimal Im { get; set; }
        /// <summary>Σ MM, µ.</summary>
        public decimal Mm { get; set; }
        /// <summary>Equity &gt; MM.</summary>
        public bool Healthy { get; set; }
    }

    private sealed record Bracket(decimal MaxNotional, decimal Imr, decimal Mmr, decimal Cum);

    private readonly Dictionary<string, (decimal TickValue, List<Bracket> Brackets)> _instruments = [];

    /// <summary>Accounts by id.</summary>
    public Dictionary<long, Account> Accounts { get; } = [];

    /// <summary>Registers an instrument from the engine's validated definition.</summary>
    public void AddInstrument(Instrument ins) =>
        _instruments[ins.Id] = (ins.TickValue, ins.Brackets.Select(b => new Bracket(b.MaxNotional, b.ImrPpm / 1_000_000m, b.MmrPpm / 1_000_000m, b.Cum)).ToList());

    /// <summary>Opens a position at <paramref name="priceTicks"/>.</summary>
    public void Open(long accountId, decimal balance, string instrument, long lots, long priceTicks)
    {
        if (!Accounts.TryGetValue(accountId, out var a)) Accounts[accountId] = a = new Account { Balance = balance };
        var (tickValue, brackets) = _instruments[instrument];
        var p = new Position { Instrument = instrument, Qty = lots, Basis = lots * priceTicks * tickValue };
        Revalue(p, priceTicks, tickValue, brackets);
        a.Positions.Add(p);
        Sum(a);
    }

    private static void Revalue(Position p, long markTicks, decimal tickValue, List<Bracket> brackets)
    {
        decimal notional = Math.Abs(p.Qty) * markTicks * tickValue;
        var b = brackets.FirstOrDefault(x => notional <= x.MaxNotional) ?? brackets[^1];
        p.Upnl = p.Qty * markTicks * tickValue - p.Basis;
        p.Mm = Math.Ceiling(notional * b.Mmr) - b.Cum;
        p.Im = Math.Ceiling(notional * b.Imr);
    }

    private static void Sum(Account account)
    {
        account.Equity = account.Balance + account.Positions.Sum(p => p.Upnl);
        account.Im = account.Positions.Sum(p => p.Im);
        account.Mm = account.Positions.Sum(p => p.Mm);
        account.Healthy = account.Equity > account.Mm;
    }

    /// <summary>A new mark for <paramref name="instrument"/>: revalue its positions, recompute every affected account's sums and health.</summary>
    public void Mark(string instrument, long markTicks)
    {
        var (tickValue, brackets) = _instruments[instrument];
        foreach (var account in Accounts.Values)
        {
            var held = account.Positions.Where(p => p.Instrument == instrument).ToList();
            if (held.Count == 0) continue;
            foreach (var p in held) Revalue(p, markTicks, tickValue, brackets);
            Sum(account);
        }
    }
}
