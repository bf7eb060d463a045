"""The HTML report in a headless Chromium: the order it lists findings in, its filters, search, grouping,
sorting, paging, the cap, chart bars that filter, and state kept in and restored from the address."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from urllib.parse import quote

import pytest

from leder_audit.cli import main
from leder_audit.findings import SEVERITIES

from .browser import Browser, chromium
from .test_writers_html import AFTER, BEFORE, MARK, MESSAGE, NOT_RECORDED, RECORD, RULE, SEV, TAGS, TITLE, TYPE, page_data

ROWS = "Array.from(document.querySelectorAll('#finding-rows tr[data-rule]'))"


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed")
    with Browser(executable) as opened:
        yield opened


def run(folder, *extra: str) -> tuple[str, dict, dict]:
    records = folder / "records.ndjson"
    if not records.exists():
        main(["generate", "700", "--seed", "11", "--problem-rate", "0.4", "--output", str(records)])
    out = folder / f"report{len(list(folder.glob('report*.html')))}.html"
    main(["check", str(records), "--as-of", "2024-06-30", "--format", "html", "--output", str(out), *extra])
    as_json = folder / "report.json"
    if not as_json.exists():
        main(["check", str(records), "--as-of", "2024-06-30", "--format", "json", "--output", str(as_json)])
    html = out.read_text(encoding="utf-8")
    return out.as_uri(), page_data(html), json.loads(as_json.read_text())


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return run(tmp_path_factory.mktemp("browser"))


def shown(browser) -> int:
    return int(browser.js("document.getElementById('shown-count').textContent"))


def rows(browser, attribute: str) -> list[str]:
    return browser.js(f"{ROWS}.map(function(r){{return r.getAttribute('data-{attribute}')}})")


def test_the_run_has_enough_findings_to_page_group_and_cap(report):
    _, data, summary = report
    assert len(data["findings"]) == summary["summary"]["findings"] > 250
    assert len(summary["summary"]["by_severity"]) >= 3 and summary["summary"]["not_recorded"] > 0


def test_findings_are_listed_most_severe_first_one_page_at_a_time(browser, report):
    url, data, _ = report
    browser.open(url)
    severities = [SEVERITIES.index(s) for s in rows(browser, "severity")]
    assert len(severities) == 100 and severities == sorted(severities, reverse=True)
    assert shown(browser) == len(data["findings"])
    assert "page 1 of " in browser.js("document.getElementById('pager').textContent")


def test_the_second_page_goes_on_where_the_first_stopped(browser, report):
    url, data, _ = report
    browser.open(url)
    first = rows(browser, "record")
    browser.click("#pager button:nth-of-type(3)")  # next
    assert browser.js("location.hash") == "#page=2"
    second = rows(browser, "record")
    ranks = [f[SEV] for f in data["findings"]]
    assert len(second) == min(100, len(ranks) - 100) and second != first
    assert [SEVERITIES.index(s) for s in rows(browser, "severity")] == sorted(ranks, reverse=True)[100:200]


@pytest.mark.parametrize("level", ["critical", "high", "medium", "low"])
def test_the_severity_filter_shows_findings_at_or_above_it(browser, report, level):
    url, data, _ = report
    browser.open(f"{url}#severity={level}")
    expected = sum(1 for f in data["findings"] if f[SEV] >= SEVERITIES.index(level))
    assert shown(browser) == expected > 0
    assert all(SEVERITIES.index(s) >= SEVERITIES.index(level) for s in rows(browser, "severity"))
    assert browser.js("document.getElementById('f-severity').value") == level


def searchable(data: dict, f: list) -> str:
    return "\n".join([f[RECORD], data["rules"][f[RULE]]["id"], data["strings"][f[TITLE]], data["strings"][f[MESSAGE]],
                      f[BEFORE] + (f[MARK] or "") + f[AFTER]]).lower()


def test_search_looks_in_record_id_rule_message_and_evidence(browser, report):
    url, data, _ = report
    marked = next(f for f in data["findings"] if f[MARK])
    needles = [data["findings"][7][RECORD], data["rules"][data["findings"][-1][RULE]]["id"], "capacity",
               marked[MARK].upper()]
    for needle in needles:
        browser.open(f"{url}#q={quote(needle)}")
        expected = sum(1 for f in data["findings"] if needle.lower() in searchable(data, f))
        assert shown(browser) == expected > 0, needle
        assert browser.js("document.getElementById('f-q').value") == needle


def test_typing_a_search_filters_and_goes_into_the_address(browser, report):
    url, data, _ = report
    browser.open(url)
    record = data["findings"][3][RECORD]
    browser.js(f"(function(){{var q=document.getElementById('f-q');q.value={json.dumps(record)};"
               "q.dispatchEvent(new Event('input'));return new Promise(function(r){setTimeout(r,400)})})()")
    assert browser.js("location.hash") == f"#q={quote(record)}"
    assert set(rows(browser, "record")) >= {record}


def rule_of(data: dict, f: list) -> str:
    return data["rules"][f[RULE]]["id"]


def record_of(data: dict, f: list) -> str:
    return data["strings"][f[TYPE]] + " " + f[RECORD]


@pytest.mark.parametrize("group, key, word", [("rule", rule_of, "rules"), ("record", record_of, "records")])
def test_grouping_gathers_findings_under_their_rule_or_record_with_counts(browser, report, group, key, word):
    url, data, _ = report
    browser.open(f"{url}#group={group}")
    counts = Counter(key(data, f) for f in data["findings"])
    headers = browser.js("Array.from(document.querySelectorAll('#finding-rows tr')).map(function(r){"
                         "return r.className === 'group' ? ['group', r.getAttribute('data-group'), "
                         "+r.getAttribute('data-count')] : ['row', r.getAttribute('data-rule'), r.getAttribute('data-record')]})")
    groups = [(name, n) for kind, name, n in headers if kind == "group"]
    assert len(groups) > 1 and all(counts[name] == n for name, n in groups)
    worst = [max(f[SEV] for f in data["findings"] if key(data, f) == name) for name, _ in groups]
    assert worst == sorted(worst, reverse=True)
    current = None
    for kind, first, second in headers:  # every row sits under the header of its own group
        if kind == "group":
            current = first
        else:
            assert current == (first if group == "rule" else current.split(" ", 1)[0] + " " + second)
    assert f" in {len(counts)} {word}" in browser.js("document.getElementById('filter-record').textContent")


def test_a_group_can_be_listed_on_its_own(browser, report):
    url, data, _ = report
    browser.open(f"{url}#group=rule")
    name, count = browser.js("(function(){var r=document.querySelector('#finding-rows tr.group');"
                             "return [r.getAttribute('data-group'), +r.getAttribute('data-count')]})()")
    browser.click("#finding-rows tr.group a.filter-link")
    assert browser.js("location.hash") == f"#rule={quote(name)}"
    assert shown(browser) == count and set(rows(browser, "rule")) == {name}


def test_sorting_by_rule_then_reversed(browser, report):
    url, data, _ = report
    browser.open(url)
    browser.click("#finding-table th button[data-sort=rule]")
    assert browser.js("location.hash") == "#sort=rule"
    ids = sorted(data["rules"][f[RULE]]["id"] for f in data["findings"])
    assert rows(browser, "rule") == ids[:100]
    browser.click("#finding-table th button[data-sort=rule]")
    assert browser.js("location.hash") == "#sort=-rule"
    assert rows(browser, "rule") == ids[::-1][:100]


@pytest.mark.parametrize("chart, name, expected_hash, keep", [
    ("chart-severity", "medium", "#severity=only-medium", lambda f, name: SEVERITIES[f[SEV]] == name),
    ("chart-theme", None, "#theme={}&status=recorded", lambda f, name: not f[NOT_RECORDED]),
    ("chart-not-recorded", None, "#theme={}&status=not-recorded", lambda f, name: f[NOT_RECORDED]),
])
def test_clicking_a_chart_bar_lists_its_findings(browser, report, chart, name, expected_hash, keep):
    url, data, _ = report
    browser.open(url)
    if name is None:
        name = browser.js(f"document.querySelector('#{chart} g.bar').getAttribute('data-name')")
    bar = f"#{chart} g.bar[data-name='{name}'] rect:nth-of-type(2)"
    count = int(browser.js(f"document.querySelector(\"#{chart} g.bar[data-name='{name}']\").getAttribute('data-count')"))
    browser.click(bar)
    assert browser.js("location.hash") == expected_hash.format(name)
    in_theme = (lambda f: name in data["strings"][f[TAGS]].split()) if chart != "chart-severity" else (lambda f: True)
    expected = sum(1 for f in data["findings"] if keep(f, name) and in_theme(f))
    assert shown(browser) == expected == count


def test_the_whole_state_is_restored_from_the_address(browser, report):
    url, data, _ = report
    state = "#severity=medium&status=recorded&q=a&group=rule&sort=record"
    browser.open(url + state)
    values = browser.js("['severity','status','q','group'].map(function(k){return document.getElementById('f-'+k).value})")
    assert values == ["medium", "recorded", "a", "rule"]
    first = (shown(browser), rows(browser, "record"))
    expected = sum(1 for f in data["findings"] if f[SEV] >= SEVERITIES.index("medium") and not f[NOT_RECORDED]
                   and "a" in searchable(data, f))
    assert first[0] == expected
    browser.js("(function(){var s=document.getElementById('f-theme');s.value=s.options[1].value;"
               "s.dispatchEvent(new Event('change'))})()")
    changed = browser.js("location.hash")
    assert changed.startswith("#severity=medium&theme=") and changed.endswith("&status=recorded&q=a&group=rule&sort=record")
    narrowed = shown(browser)
    browser.open(url + changed)
    assert shown(browser) == narrowed <= first[0]
    browser.open(url + state)
    assert (shown(browser), rows(browser, "record")) == first


def test_printing_lays_out_every_finding_in_view_with_its_message(browser, report):
    url, data, _ = report
    browser.open(url)
    browser.js("window.dispatchEvent(new Event('beforeprint'))")
    assert len(rows(browser, "rule")) == len(data["findings"])
    assert browser.js("document.querySelectorAll('#finding-rows details.message:not([open])').length") == 0
    browser.js("window.dispatchEvent(new Event('afterprint'))")
    assert len(rows(browser, "rule")) == 100


def test_the_capped_table_lists_the_most_severe_and_the_page_says_what_it_left_out(browser, tmp_path_factory):
    url, data, summary = run(tmp_path_factory.mktemp("capped"), "--html-max-findings", "30")
    browser.open(url)
    assert shown(browser) == 30 == int(browser.js("document.getElementById('listed-count').textContent"))
    everything = sorted((SEVERITIES.index(f["severity"]) for f in summary["findings"]), reverse=True)
    assert [SEVERITIES.index(s) for s in rows(browser, "severity")] == everything[:30]
    note = browser.js("document.getElementById('truncated').textContent")
    left = Counter(SEVERITIES[n] for n in everything[30:])
    for severity, n in left.items():
        assert f"{n} {severity}" in note
    assert re.search(r"the 30 most severe of \d+ findings", note)


HITS = "Array.from(document.querySelectorAll('#finding-rows mark.hit'))"


@pytest.mark.parametrize("needle", ["capacity", "CAPACITY", "lda-dnacpr"])
def test_search_marks_the_words_it_found_in_every_row_it_shows(browser, report, needle):
    url, data, _ = report
    browser.open(f"{url}#q={quote(needle)}")
    assert shown(browser) > 0
    texts = browser.js(f"{HITS}.map(function(m){{return m.textContent}})")
    assert texts and {t.lower() for t in texts} == {needle.lower()}
    unmarked = browser.js(f"{ROWS}.filter(function(r){{return !r.querySelector('mark.hit')}}).length")
    assert unmarked == 0
    # A message the words were found in is open, so its marks can be seen.
    closed = browser.js("Array.from(document.querySelectorAll('#finding-rows details.message:not([open])'))"
                        ".filter(function(d){return d.querySelector('div mark.hit')}).length")
    assert closed == 0


def test_search_marks_a_record_id_and_words_inside_the_evidence(browser, report):
    url, data, _ = report
    record = data["findings"][5][RECORD]
    browser.open(f"{url}#q={quote(record)}")
    marked_ids = browser.js(f"{ROWS}.map(function(r){{var m=r.querySelector('td:nth-child(3) b mark.hit');"
                            "return m ? m.textContent : null})")
    assert record in marked_ids
    evidence = next(f for f in data["findings"] if f[MARK] and len(f[MARK]) > 3)
    word = evidence[MARK][1:-1]
    browser.open(f"{url}#q={quote(word)}")
    inside = browser.js(f"{HITS}.filter(function(m){{return m.parentNode.tagName === 'MARK'}})"
                        ".map(function(m){return m.textContent.toLowerCase()})")
    assert word.lower() in inside


def test_without_a_search_nothing_is_marked_and_the_text_is_unchanged(browser, report):
    url, data, _ = report
    browser.open(url)
    assert browser.js(f"{HITS}.length") == 0
    browser.open(f"{url}#q=capacity")
    browser.js("(function(){var q=document.getElementById('f-q');q.value='';q.dispatchEvent(new Event('input'));"
               "return new Promise(function(r){setTimeout(r,400)})})()")
    assert browser.js(f"{HITS}.length") == 0
    first = data["findings"][0]
    assert browser.js("document.querySelector('#finding-rows tr[data-rule] td:nth-child(3) b').textContent") == first[RECORD]


def test_a_search_that_looks_like_markup_is_only_text(browser, report):
    url, _, _ = report
    browser.open(f"{url}#q={quote('<img src=x onerror=alert(1)>')}")
    assert browser.js("document.querySelectorAll('#finding-rows img').length") == 0
    assert browser.js("document.getElementById('f-q').value") == "<img src=x onerror=alert(1)>"


@pytest.fixture
def phone(browser):
    browser.size(390, 844, mobile=True)
    yield browser
    browser.size(1280, 900)


def test_on_a_phone_the_page_and_every_chart_fit_the_screen_at_their_own_size(phone, report):
    url, _, _ = report
    phone.open(url)
    assert phone.js("document.documentElement.scrollWidth") <= phone.js("innerWidth") == 390
    charts = phone.js("Array.from(document.querySelectorAll('figure')).map(function(f){"
                      "var shown=Array.from(f.querySelectorAll('svg')).filter(function(s){return s.getBoundingClientRect().width>0});"
                      "var s=shown[0], r=s.getBoundingClientRect();"
                      "return [f.id, shown.length, f.scrollWidth <= f.clientWidth, r.left >= 0 && r.right <= innerWidth,"
                      " r.width / s.viewBox.baseVal.width]})")
    assert {c[0] for c in charts} >= {"chart-severity", "chart-theme", "chart-not-recorded", "cohort-chart", "trend-chart"}
    for name, count, no_scroll, on_screen, scale in charts:
        assert count == 1 and no_scroll and on_screen, name
        assert scale > 0.95, name  # drawn at its own size: 12px text stays 12px


def test_on_a_phone_a_chart_bar_still_lists_its_findings(phone, report):
    url, data, _ = report
    phone.open(url)
    bar = "#chart-severity svg.bars-above g.bar[data-name='high'] rect:nth-of-type(2)"
    phone.click(bar)
    assert phone.js("location.hash") == "#severity=only-high"
    assert shown(phone) == sum(1 for f in data["findings"] if SEVERITIES[f[SEV]] == "high")


def test_on_a_wide_screen_the_charts_are_drawn_with_labels_beside_the_bars(browser, report):
    url, _, _ = report
    browser.open(url)
    visible = browser.js("Array.from(document.querySelectorAll('figure svg')).filter(function(s){"
                         "return s.getBoundingClientRect().width>0}).map(function(s){return s.getAttribute('class')})")
    assert visible and set(visible) <= {"bars-beside", "full"}
