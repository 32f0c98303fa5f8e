"""reports/cards.py: plain-language headline cards, their status against the job's
thresholds or the documented defaults, their change, suppression and escaping."""

import copy
import json
import re
from pathlib import Path

import pytest

from compliance_kit.reports.cards import Card, cards_for, render_cards

DEMO = json.loads((Path(__file__).parent / "fixtures" / "demo_metrics.json").read_text())


def _by_key(cards):
    return {c.key: c for c in cards}


def test_three_to_five_cards_per_analysis_in_plain_words():
    for analysis in ("retention", "requests", "flows", "policy"):
        cards = cards_for(analysis, DEMO, None, k=5)
        assert 3 <= len(cards) <= 5, analysis
        assert all("_" not in c.label for c in cards), "labels are words, not keys"
    r = _by_key(cards_for("retention", DEMO, None, k=5))["retention.overdue"]
    overdue, rate = DEMO["retention"]["overdue"], DEMO["retention"]["overdue_rate"]
    assert (r.label, r.value_text) == ("Records overdue for erasure", f"{overdue:,}")
    assert r.detail_text.startswith(f"{rate:.1%} of {DEMO['retention']['records_checked']:,}")
    q = _by_key(cards_for("requests", DEMO, None, k=5))
    assert q["requests.performance_pct"].value_text == f"{DEMO['requests']['performance_pct']:.1f}%"
    assert q["requests.km_median_days"].value_text == f"{DEMO['requests']['km_median_days']} days"
    f = _by_key(cards_for("flows", DEMO, None, k=5))["flows.share_declared_bytes"]
    assert f.label == "Volume sent outside declared transfers"
    assert f.value_text == f"{1 - DEMO['flows']['share_declared_bytes']:.1%}"
    assert "MB" in f.detail_text, "bytes read as KB/MB/GB"


def test_a_section_alone_is_accepted():
    assert cards_for("retention", DEMO["retention"], None, k=5) == cards_for("retention", DEMO, None, k=5)
    assert cards_for("retention", {}, None, k=5) == []


def test_default_status_bands():
    def status(section, key, **figures):
        metrics = copy.deepcopy(DEMO)
        metrics[section].update(figures)
        return _by_key(cards_for(section, metrics, None, k=5))[f"{section}.{key}"].status

    assert status("retention", "overdue", overdue=0, overdue_rate=0.0) == "good"
    assert status("retention", "overdue", overdue=150, overdue_rate=150 / 20453) == "warn"
    assert status("retention", "overdue", overdue=300, overdue_rate=300 / 20453) == "bad"
    assert status("requests", "performance_pct", performance_pct=96.0) == "good"
    assert status("requests", "performance_pct", performance_pct=92.0) == "warn"
    assert status("requests", "performance_pct", performance_pct=85.0) == "bad"
    assert status("requests", "open_late", open_late=0) == "good"
    assert status("flows", "share_declared_bytes", share_declared_bytes=1.0) == "good"
    assert status("flows", "share_declared_bytes", share_declared_bytes=0.97) == "warn"
    assert status("flows", "share_declared_bytes", share_declared_bytes=0.90) == "bad"
    assert status("retention", "records_checked") == "none"


def test_the_jobs_thresholds_decide_over_the_defaults():
    # the default calls 6 open late requests bad; a job that tolerates up to 10 says good
    held = _by_key(cards_for("requests", DEMO, None, k=5, thresholds=["requests.open_late > 10"]))
    assert held["requests.open_late"].status == "good"
    breached = _by_key(cards_for("requests", DEMO, None, k=5, thresholds=["requests.performance_pct < 99"]))
    assert breached["requests.performance_pct"].status == "bad"
    other = _by_key(cards_for("requests", DEMO, None, k=5, thresholds=["retention.overdue > 0"]))
    assert other["requests.performance_pct"].status == "bad", "another section's threshold changes nothing"


def test_change_since_the_previous_run_in_words():
    before = copy.deepcopy(DEMO)
    before["retention"].update(overdue=200, overdue_rate=200 / 20453)
    before["requests"]["performance_pct"] = 80.0
    before["flows"]["share_declared_bytes"] = 0.90
    r = _by_key(cards_for("retention", DEMO, before, k=5))["retention.overdue"]
    assert (r.direction, r.better, r.change_text) == ("up", False, f"up {DEMO['retention']['overdue'] - 200} since the previous run")
    q = _by_key(cards_for("requests", DEMO, before, k=5, since="2026-09-30"))["requests.performance_pct"]
    assert (q.direction, q.better) == ("up", True) and q.change_text.startswith(
        f"up {DEMO['requests']['performance_pct'] - 80.0:.1f} percentage points since 2026-09-30")
    # the share outside declared transfers rose as the declared share fell: up, worse
    f = _by_key(cards_for("flows", DEMO, before, k=5))["flows.share_declared_bytes"]
    assert (f.direction, f.better) == ("up", False)
    assert f.change_text.startswith(f"up {(0.90 - DEMO['flows']['share_declared_bytes']) * 100:.1f} percentage points")
    same = _by_key(cards_for("retention", DEMO, before, k=5))["retention.records_checked"]
    assert same.change_text == "no change since the previous run" and same.direction == "same"
    assert all(c.change_text == "" and c.direction is None for c in cards_for("retention", DEMO, None, k=5))


def test_a_hidden_value_has_no_status_no_change_and_shows_as_less_than_k():
    metrics = copy.deepcopy(DEMO)
    metrics["requests"].update(open_late=3, open_in_time=12)
    before = copy.deepcopy(DEMO)
    cards = _by_key(cards_for("requests", metrics, before, k=5))
    late = cards["requests.open_late"]
    assert late.value_text in ("<5", "hidden") and late.status == "none"
    assert late.change_text == "" and late.direction is None
    html = render_cards(list(cards.values()))
    assert not re.search(r">\s*3\s*<", html)


def test_render_cards_escapes_every_value_and_says_the_status_in_words():
    card = Card(label="<script>alert(1)</script>", value_text="<img src=x onerror=alert(2)>", detail_text='"&',
                status="bad", change_text="up <b>3</b>", direction="up", better=False, key="x.<y>")
    html = render_cards([card])
    assert "<script>" not in html and "<img" not in html and "<b>3" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&quot;&amp;" in html
    assert 'class="card status-bad"' in html and "needs action" in html
    assert "(worse)" in html and 'data-direction="up"' in html
    assert render_cards([]) == ""
    with pytest.raises(ValueError):
        Card("a", "1", "", "red", "", None, None)


def test_a_previous_run_without_the_section_gives_no_change():
    before = {k: v for k, v in DEMO.items() if k != "flows"}
    cards = cards_for("flows", DEMO, before, k=5)
    assert cards and all(c.change_text == "" and c.direction is None for c in cards)
