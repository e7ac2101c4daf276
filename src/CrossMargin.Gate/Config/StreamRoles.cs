using CrossMargin.Core.Engine;

namespace CrossMargin.Gate.Config;

/// <summary>Which input kinds the gate's inbound streams accept (config <c>security.roles</c>).</summary>
public enum RoleMode
{
    /// <summary>
    /// The default: market data carries mark, index and funding; order flow orders, cancels, fills, deposits,
    /// withdrawals, margin modes, margin moves and queries; config and halts only the admin channel (off unless
    /// configured). Anything else is refused with an input_error (WrongStream) and counted, never applied.
    /// </summary>
    Strict,

    /// <summary>
    /// For replaying scenarios through a gate (<c>crossmargin send</c> sends every input of a file on order flow,
    /// so one stream keeps the file's total order): order flow accepts every kind. Never for production.
    /// </summary>
    Scenario,
}

/// <summary>The input kinds of each inbound stream, as bit masks over <see cref="InputKind"/> (tested per message on the network thread).</summary>
public static class StreamRoles
{
    /// <summary>Mark, index, funding.</summary>
    public static readonly ulong MarketData = Mask(InputKind.Mark, InputKind.Index, InputKind.Funding);

    /// <summary>Orders, cancels, fills, deposits, withdrawals, margin modes and moves, account and fund queries.</summary>
    public static readonly ulong OrderFlow = Mask(InputKind.Order, InputKind.Cancel, InputKind.Fill, InputKind.Deposit, InputKind.Withdraw,
        InputKind.MarginMode, InputKind.Isolate, InputKind.Query, InputKind.FundQuery);

    /// <summary>Config (liquidation parameters, insurance fund) and halts.</summary>
    public static readonly ulong Admin = Mask(InputKind.Config, InputKind.Halt);

    /// <summary>Every input kind (order flow under <see cref="RoleMode.Scenario"/>).</summary>
    public static readonly ulong Any = MarketData | OrderFlow | Admin;

    /// <summary>True when <paramref name="kind"/> is in <paramref name="mask"/>.</summary>
    public static bool Accepts(ulong mask, InputKind kind) => ((mask >> (int)kind) & 1) != 0;

    /// <summary>The mask of <paramref name="kinds"/>.</summary>
    public static ulong Mask(params InputKind[] kinds)
    {
        ulong mask = 0;
        foreach (var k in kinds) mask |= 1UL << (int)k;
        return mask;
    }
}
