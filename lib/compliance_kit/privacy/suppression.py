"""Small-cell suppression for shared output: the one suppression policy of the kit.

Every count of records, requests, transfers or people that reaches a shared page goes
through this module (docs/sharing.md, "Small counts"):

- **Primary**: a count from 1 to k-1 is hidden. Zero is shown: it singles out nobody, and
  "0 overdue" is the answer a reader wants.
- **Secondary** (`protect_table`): where a table shows a row total, or its column totals
  are shown elsewhere (the headline), no hidden cell may be recoverable by subtraction.
  Every row and column (with its total) that holds a hidden cell must hold at least two;
  the complement hidden is the smallest non-zero visible cell of that line (ONS / Eurostat
  practice: least information lost). Every hidden cell of such a table shows the same
  mark, `HIDDEN`: marking complements differently would tell a reader they are >= k and
  narrow the hidden small count by arithmetic.
- **Rates and statistics** (`rate_shown`, `statistic_shown`): a percentage is shown only
  over a base of at least k, and only when neither the count it is a share of nor the rest
  of the base is a hidden small count (83.3% of 6 reveals 1 of 6). A median or mean over
  fewer than k is blank.
"""

from __future__ import annotations

import polars as pl

HIDDEN = "hidden"
DEFAULT_K = 5


def check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, not {k!r}")
    return k


def is_small(n, k: int) -> bool:
    """True when the count `n` must be hidden: 1 <= n <= k-1."""
    return n is not None and 0 < n < k


def small_label(k: int) -> str:
    return f"<{k}"


def suppress_small_counts(df: pl.DataFrame, columns, k: int) -> pl.DataFrame:
    """Return `df` with counts from 1 to k-1 in `columns` replaced by the string "<k".

    Primary suppression only: for tables that show no total of the hidden cells (use
    `protect_table` where a total is shown). The named columns become strings (a table
    for people, not for further arithmetic: suppress last). Nulls stay null.
    """
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns)
    check_k(k)
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"suppress_small_counts: no column {missing} in {df.columns}")
    label = small_label(k)
    exprs = []
    for c in columns:
        if not df.schema[c].is_numeric():
            raise TypeError(f"suppress_small_counts: column {c!r} is {df.schema[c]}, not a count")
        col = pl.col(c)
        exprs.append(
            pl.when(col.is_null()).then(pl.lit(None, dtype=pl.String))
            .when((col > 0) & (col < k)).then(pl.lit(label))
            .otherwise(col.cast(pl.Int64, strict=False).cast(pl.String)
                       if df.schema[c].is_integer() else col.cast(pl.String))
            .alias(c)
        )
    return df.with_columns(exprs)


def null_small_counts(df: pl.DataFrame, columns, k: int) -> pl.DataFrame:
    """For charts: counts from 1 to k-1 in `columns` become null (drawn as nothing), the
    columns stay numeric. Drop or grey the null rows in the chart, never plot them."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    check_k(k)
    return df.with_columns(
        pl.when((pl.col(c) > 0) & (pl.col(c) < k)).then(None).otherwise(pl.col(c)).alias(c)
        for c in columns)


def suppression_mask(values: list[list[int]], k: int, totals: list[int] | None = None,
                     column_totals_known: bool = True) -> tuple[list[list[bool]], list[bool]]:
    """Which cells (and row totals) to hide: primary, then secondary until no hidden cell
    can be worked out exactly from the totals a reader has.

    `values` is rows x columns of counts (None counts as 0: nothing to hide). `totals`,
    when given, are the shown row totals (each row's cells sum to it). With
    `column_totals_known` each column's sum is known (shown elsewhere, such as the
    headline), and so is the sum of the row totals. Two steps, repeated until stable:
    1. lines: every row or column with exactly one hidden cell gets a second one, the
       smallest non-zero visible cell (least information lost);
    2. audit: the equations a reader has (row sums, column sums) are solved for the hidden
       cells; any cell they determine (a cycle of lines can pin one down even with two
       hidden per line) gets a complement in its row or column, and step 1 runs again.
    A one-row table with its column totals shown elsewhere is protected by that other
    place (its cells *are* those totals), so only its row is a line here.
    Returns (hidden cells, hidden totals).
    """
    check_k(k)
    n_rows = len(values)
    n_cols = len(values[0]) if n_rows else 0
    columns_known = column_totals_known and n_rows > 1
    cell = [[v or 0 for v in row] for row in values]
    tot = [t or 0 for t in totals] if totals is not None else None
    hide = [[is_small(v, k) for v in row] for row in cell]
    hide_tot = [is_small(t, k) for t in tot] if tot is not None else [False] * n_rows

    def smallest(candidates):
        """The (value, position) to hide as a complement: the smallest non-zero value,
        else any; None when nothing is left."""
        nonzero = [c for c in candidates if c[0] > 0]
        pool = nonzero or candidates
        return min(pool, key=lambda c: (c[0], c[1])) if pool else None

    def fill_lines() -> None:
        changed = True
        while changed:
            changed = False
            # Rows: the cells plus the shown row total form one equation (no total shown:
            # a row gives a reader nothing to subtract from).
            for i in range(n_rows if tot is not None else 0):
                if sum(hide[i]) + hide_tot[i] != 1:
                    continue
                pick = smallest([(cell[i][j], j) for j in range(n_cols) if not hide[i][j]])
                if pick is None:
                    hide_tot[i] = True
                else:
                    hide[i][pick[1]] = True
                changed = True
            if not columns_known:
                continue
            for j in range(n_cols):
                if sum(hide[i][j] for i in range(n_rows)) != 1:
                    continue
                pick = smallest([(cell[i][j], i) for i in range(n_rows) if not hide[i][j]])
                if pick is not None:
                    hide[pick[1]][j] = True
                    changed = True
            # The column of row totals sums to the grand total, which is shown.
            if tot is not None and sum(hide_tot) == 1:
                pick = smallest([(tot[i], i) for i in range(n_rows) if not hide_tot[i]])
                if pick is not None:
                    hide_tot[pick[1]] = True
                    changed = True

    while True:
        fill_lines()
        found = determined(hide, hide_tot if tot is not None else None, columns_known)
        if not found:
            return hide, hide_tot
        kind, i, j = found[0]
        candidates = []
        if kind == "c":
            if tot is not None:
                candidates += [(cell[i][c], ("c", i, c)) for c in range(n_cols) if not hide[i][c]]
            if columns_known:
                candidates += [(cell[r][j], ("c", r, j)) for r in range(n_rows) if not hide[r][j]]
        if not candidates and tot is not None:
            candidates = [(tot[r], ("t", r, 0)) for r in range(n_rows) if not hide_tot[r]]
        pick = smallest(candidates)
        if pick is None:  # every cell is hidden already: nothing more to give
            return hide, hide_tot
        _, (kind, r, c) = pick
        if kind == "c":
            hide[r][c] = True
        else:
            hide_tot[r] = True


def determined(hide, hide_tot, columns_known: bool) -> list[tuple[str, int, int]]:
    """Hidden cells ("c", row, col) and hidden row totals ("t", row, 0) that the equations
    a reader has determine exactly: each row with a total (its cells minus the total), each
    column and the column of totals when their sums are known. The solver is the one of
    `linked.determined` (the null space of the equations)."""
    from .linked import determined as solve

    n_rows = len(hide)
    n_cols = len(hide[0]) if n_rows else 0
    unknowns = [("c", i, j) for i in range(n_rows) for j in range(n_cols) if hide[i][j]]
    if hide_tot is not None:
        unknowns += [("t", i, 0) for i in range(n_rows) if hide_tot[i]]
    equations = []
    if hide_tot is not None:
        for i in range(n_rows):
            eq = {("c", i, j): 1 for j in range(n_cols)}
            eq[("t", i, 0)] = -1
            equations.append(eq)
    if columns_known:
        equations += [{("c", i, j): 1 for i in range(n_rows)} for j in range(n_cols)]
        if hide_tot is not None:
            equations.append({("t", i, 0): 1 for i in range(n_rows)})
    return solve(unknowns, equations)


def protect_table(df: pl.DataFrame, cells, k: int, total: str | None = None,
                  column_totals_known: bool = True, for_chart: bool = False) -> pl.DataFrame:
    """Primary and secondary suppression of a table of counts, for display.

    `cells` are count columns whose values partition `total` (a shown row-total column,
    optional). With `column_totals_known` (the default: the headline or another table shows
    each column's sum) columns are protected too. Every hidden cell reads `HIDDEN`; the
    other counts become text. Returns the frame with `cells` and `total` as strings.
    `for_chart=True` keeps the columns numeric and makes every hidden cell null instead,
    so a chart draws nothing for it (no bar length, tooltip or label to read it from).
    """
    check_k(k)
    cells = [cells] if isinstance(cells, str) else list(cells)
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    needed = cells + ([total] if total else [])
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise KeyError(f"protect_table: no column {missing} in {df.columns}")
    for c in needed:
        if not df.schema[c].is_numeric():
            raise TypeError(f"protect_table: column {c!r} is {df.schema[c]}, not a count")
    values = [list(r) for r in df.select(cells).iter_rows()]
    totals = df[total].to_list() if total else None
    hide, hide_tot = suppression_mask(values, k, totals, column_totals_known)

    def as_text(column_values, hidden):
        if for_chart:
            return pl.Series([None if h else v for v, h in zip(column_values, hidden)],
                             dtype=pl.Int64)
        return pl.Series([None if v is None else (HIDDEN if h else f"{int(v)}")
                          for v, h in zip(column_values, hidden)], dtype=pl.String)

    out = df.with_columns(
        as_text(df[c].to_list(), [row[j] for row in hide]).alias(c) for j, c in enumerate(cells)
    )
    if total:
        out = out.with_columns(as_text(df[total].to_list(), hide_tot).alias(total))
    return out


def rate_shown(numerator, base, k: int) -> tuple[bool, str | None]:
    """(True, None) when a share `numerator / base` may be shown; else (False, reason).

    Hidden when the base is below k, or when the numerator or the rest of the base is a
    small count: 83.3% of 6 would tell a reader that 1 of 6 was not.
    """
    check_k(k)
    if base is None or base == 0:
        return False, "nothing to take a share of"
    if base < k:
        return False, f"fewer than {k} in the base"
    if numerator is not None and (is_small(numerator, k) or is_small(base - numerator, k)):
        return False, f"it would reveal a count below {k}"
    return True, None


def statistic_shown(base, k: int) -> tuple[bool, str | None]:
    """A median, mean or percentile over `base` people or records: shown from k on."""
    check_k(k)
    if base is None or base < k:
        return False, f"fewer than {k} in the base"
    return True, None


def blank_small_rates(df: pl.DataFrame, rates: dict[str, tuple[str, str | None]], k: int,
                      scale: float = 1.0) -> pl.DataFrame:
    """Blank (null) each rate column whose row fails `rate_shown`.

    `rates` maps a rate column to (base column, numerator column or None). Without a
    numerator column, the numerator is read back from the rate (rate / scale * base), as
    a reader could. `scale` is 100 for percentages, 1 for shares.
    """
    check_k(k)
    exprs = []
    for rate, (base, numerator) in rates.items():
        b = pl.col(base)
        num = pl.col(numerator) if numerator else (pl.col(rate) / scale * b).round(0)
        small = lambda e: (e > 0) & (e < k)  # noqa: E731
        hide = b.is_null() | (b < k) | small(num) | small(b - num)
        exprs.append(pl.when(hide).then(None).otherwise(pl.col(rate)).alias(rate))
    return df.with_columns(exprs)
