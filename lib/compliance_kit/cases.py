"""Case lists on shared pages: the rule for listing single cases (requests, records).

A case list names single cases, so it shows only what someone needs to act on: the
pseudonym (never the raw id), the due date and the days remaining or overdue; nothing that
would let a reader tie a row to a group a table hides (jurisdiction, type, channel, dates
of receipt). And it is shown only when the scope holds at least k such cases, and only when
the page shows their number: the list's length would otherwise tell the number a table or
headline hides.

    lst = case_list(frame, k, in_scope=12, what="open requests past their deadline",
                    id_column="request_id", keep=["due_date", "days_overdue"])
    display(lst)   # the table, or one sentence instead of it

Holders of the key store turn a pseudonym back into the id with
`compliance-kit reidentify RUN PSEUDONYM`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from .privacy.escaping import escape
from .privacy.pseudonyms import pseudonymise
from .privacy.suppression import check_k, is_small

PSEUDONYM = "pseudonym"
REIDENTIFY_NOTE = ("Pseudonyms are keyed per run: holders of the key store can use "
                   "`compliance-kit reidentify RUN PSEUDONYM` to find the case.")


@dataclass(frozen=True)
class CaseList:
    """A case list as a shared page shows it: `frame` (None when no list may be shown)
    and the sentence that goes above it, or in its place."""
    what: str
    sentence: str
    frame: pl.DataFrame | None

    @property
    def shown(self) -> bool:
        return self.frame is not None

    def _repr_html_(self) -> str:
        from .tables import Table

        text = f"<p>{escape(self.sentence)}</p>"
        if self.frame is None:
            return text
        note = escape(REIDENTIFY_NOTE).replace("`compliance-kit reidentify RUN PSEUDONYM`",
                                               "<code>compliance-kit reidentify RUN PSEUDONYM</code>")
        return text + Table(self.frame)._repr_html_() + f"<p><small>{note}</small></p>"

    def __repr__(self) -> str:
        return self.sentence if self.frame is None else f"{self.sentence}\n{self.frame!r}"


def case_list_rule(in_scope: int, k: int, count_hidden: bool = False) -> str | None:
    """Why no list may be shown (a reason key), or None when the list may be shown.

    - "none": the scope holds no such case;
    - "hidden": the page hides the number of such cases (a complement of secondary
      suppression, or a small count marked like one): a list would tell it, and so
      would saying it is small;
    - "small": from 1 to k-1 such cases.
    """
    check_k(k)
    if not in_scope:
        return "none"
    if count_hidden:
        return "hidden"
    if is_small(in_scope, k):
        return "small"
    return None


def case_list(cases: pl.DataFrame, k: int, *, in_scope: int, what: str, id_column: str,
              keep, count_hidden: bool = False, limit: int | None = 25,
              salt: str | None = None) -> CaseList:
    """The case list of `cases` under the rule (see `case_list_rule`).

    `in_scope` is the number of such cases in the scope (not the rows of `cases`, which
    may be cut at a limit); `count_hidden` says the page shows that number as hidden.
    `keep` are the columns shown beside the pseudonym of `id_column`: the due date and the
    days remaining or overdue, nothing that identifies a group. `limit` rows at most.
    """
    keep = [keep] if isinstance(keep, str) else list(keep)
    missing = [c for c in (id_column, *keep) if c not in cases.columns]
    if missing:
        raise KeyError(f"case_list: no column {missing} in {cases.columns}")
    if not isinstance(in_scope, int) or isinstance(in_scope, bool) or in_scope < 0:
        raise ValueError(f"case_list: in_scope must be a count, not {in_scope!r}")
    reason = case_list_rule(in_scope, k, count_hidden)
    if reason == "none":
        return CaseList(what, f"No {what} in this scope.", None)
    if reason == "hidden":
        return CaseList(what, f"The number of {what} in this scope is hidden on this page: "
                              "no list is shown.", None)
    if reason == "small":
        return CaseList(what, f"Fewer than {k} {what} in this scope: no list is shown.", None)
    frame = cases.select(pseudonymise(pl.col(id_column), salt=salt).alias(PSEUDONYM), *keep)
    if limit is not None and frame.height > limit:
        frame = frame.head(limit)
    listed = (f"{in_scope:,} {what} in this scope" if frame.height >= in_scope
              else f"{in_scope:,} {what} in this scope; the first {frame.height:,} are listed")
    return CaseList(what, listed + ".", frame)


__all__ = ["CaseList", "case_list", "case_list_rule", "PSEUDONYM", "REIDENTIFY_NOTE"]
