using System.Runtime.CompilerServices;
using CrossMargin.Core.State;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrossMargin.Core.Tests;

/// <summary>
/// Issue 8, item 4: an account's hot data is one cache line (<see cref="AccountRow"/>), each of its
/// positions one more (<see cref="PositionRow"/>), and the row tables start on a line boundary so no
/// row straddles two lines.
/// </summary>
public class AccountLayoutTests
{
    [Fact]
    public void Account_and_position_rows_are_one_cache_line_each()
    {
        Assert.Equal(64, Unsafe.SizeOf<AccountRow>());
        Assert.Equal(64, Unsafe.SizeOf<PositionRow>());
    }

    [Property(MaxTest = 200)]
    public Property Every_row_starts_on_a_64_byte_boundary_and_rows_do_not_overlap(PositiveInt length, NonNegativeInt at)
    {
        int n = Math.Min(length.Get, 20_000), i = at.Get % n;
        var rows = new AlignedRows<PositionRow>(n);
        ref var row = ref rows[i];
        bool aligned;
        unsafe { aligned = (nuint)Unsafe.AsPointer(ref row) % 64 == 0; }
        bool adjacent = Unsafe.ByteOffset(ref rows[0], ref row) == (nint)i * 64;
        row.Qty = -1; row.MarkAt = -1; // first and last field of the row
        bool neighboursUntouched = (i == 0 || rows[i - 1].MarkAt == 0) && (i == n - 1 || rows[i + 1].Qty == 0);
        return (aligned && adjacent && neighboursUntouched && rows.AsSpan().Length == n).ToProperty().Label($"n={n} i={i}");
    }

    [Fact]
    public void A_row_index_outside_the_table_throws_instead_of_reading_past_it()
    {
        var rows = new AlignedRows<AccountRow>(3);
        Assert.Throws<IndexOutOfRangeException>(() => rows[3].Cash);
        Assert.Throws<IndexOutOfRangeException>(() => rows[-1].Cash);
    }
}
