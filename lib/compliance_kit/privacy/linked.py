"""Secondary suppression across linked tables: cells of several tables (or of one table
with nested groups) tied by sums a reader knows.

`suppression.suppression_mask` protects one table against its own row and column totals.
Some pages show more: a region's row is the sum of its jurisdictions' rows in the next
table; a classification's transfers are the sum of its findings and of the declared flows'
non-conforming transfers. Here every count is a named cell, every known sum an equation,
and the audit is plain linear algebra:

- `determined(hidden, equations)`: the hidden cells the equations pin down exactly (an
  unknown is determined iff its unit vector lies in the row space of the equations
  restricted to the hidden cells, i.e. it is zero in every vector of their null space;
  bounds such as >= 0 are ignored).
- `protect_linked(values, equations, k, hidden, sensitive)`: primary suppression
  (1..k-1) plus the cells already hidden, then, while the audit finds a sensitive cell
  (a count from 1 to k-1) that the equations determine, a complement tied to it. Hiding
  more never makes another cell determined, so the result may be rendered with further
  cells hidden.

An equation is a mapping {cell: coefficient}; its constant (the shown part) does not
matter for the audit. A sum shown elsewhere is {cell: 1 for each cell}; "a = b + c" is
{a: 1, b: -1, c: -1}.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

from .suppression import check_k, is_small


def determined(hidden: Iterable[Hashable], equations: Iterable[Mapping]) -> list:
    """The cells of `hidden` that `equations` determine exactly, in `hidden` order."""
    import numpy as np

    unknowns = list(dict.fromkeys(hidden))
    if not unknowns:
        return []
    index = {u: i for i, u in enumerate(unknowns)}
    rows = []
    for eq in equations:
        row = np.zeros(len(unknowns))
        for cell, coef in eq.items():
            i = index.get(cell)
            if i is not None:
                row[i] += coef
        if row.any():
            rows.append(row)
    if not rows:
        return []
    # u is determined iff e_u lies in the row space of the equations: its projection on
    # an orthonormal basis of that space (the right singular vectors of the non-zero
    # singular values) has norm 1.
    _, sv, vh = np.linalg.svd(np.array(rows), full_matrices=False)
    basis = vh[:int((sv > 1e-9 * max(1.0, sv[0])).sum())]
    norms = (basis ** 2).sum(axis=0)
    return [u for u in unknowns if norms[index[u]] > 1 - 1e-9]


def protect_linked(values: Mapping[Hashable, int], equations: list[Mapping], k: int,
                   hidden: Iterable[Hashable] = (), sensitive: Iterable[Hashable] = (),
                   tries: int = 3) -> set:
    """The cells to hide so that no sensitive count can be worked out exactly.

    Sensitive cells are the counts from 1 to k-1 and the cells of `sensitive` (say, a row
    whose other count is small); they are hidden, and so are the cells of `hidden`
    (complements chosen beforehand, e.g. by `suppression_mask` table by table). Then,
    while the audit finds a sensitive cell that `equations` determine, a complement is
    hidden: a visible cell tied to it through the equations (directly, or through other
    hidden cells: a finding through its flow's count, that count through its row),
    tried nearest first, then from the smallest equation (the most local relation: a row
    before a column of the whole table), non-zero before zero, smallest value first; the
    first that leaves fewer sensitive cells determined is taken (else, of the first
    `tries`, the one leaving the fewest).
    A sensitive cell the known sums determine even with every cell hidden (its value is
    on the page already, e.g. a one-cell table under a shown total) is left alone: no
    complement can help it. A hidden cell that is not sensitive may stay determined: its
    value says nothing a reader could not work out anyway."""
    check_k(k)
    sensitive = {c for c, v in values.items() if is_small(v, k)} | set(sensitive)
    hide = sensitive | set(hidden)
    equations = [dict(eq) for eq in equations]
    order = list(values)
    fixed: set = set()

    def audit(cells):
        return [u for u in determined([c for c in order if c in cells], equations)
                if u in sensitive and u not in fixed]

    fixed = set(audit(set(order)))
    found = audit(hide)
    while found:
        # visible cells reachable from the determined ones through the equations
        u = found[0]  # one determined cell at a time: its own neighbourhood
        seen = {u}
        near: dict = {}
        frontier = {u}
        while frontier and not near:  # one step further each round, until a visible cell
            nxt = set()
            for eq in equations:
                if frontier.isdisjoint(eq):
                    continue
                for c in eq:
                    if c not in values or c in seen:
                        continue
                    if c in hide:
                        seen.add(c)
                        nxt.add(c)
                    else:
                        near[c] = min(near.get(c, len(eq)), len(eq))
            frontier = nxt
        if not near:  # nothing visible is tied to it any more
            fixed.add(u)
            found = [x for x in found if x != u]
            continue
        ranked = sorted(near, key=lambda c: (near[c], (values[c] or 0) <= 0, values[c] or 0, str(c)))
        best = None
        for c in ranked[:tries]:
            after = audit(hide | {c})
            if best is None or len(after) < len(best[1]):
                best = (c, after)
            if len(after) < len(found):
                break
        hide.add(best[0])
        found = best[1]
    return hide


__all__ = ["determined", "protect_linked"]
