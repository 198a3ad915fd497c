"""The report tables from a results document: feature rows, cell statuses, the interop table, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest

from zarr_conformance.features import feature_labels
from zarr_conformance.fixtures.cases import load_catalogue
from zarr_conformance.report import Cell, build_tables, implementation_summary, render_html, render_markdown

CASES = {c.id: c for c in load_catalogue()}


def test_features_of_cases():
    assert feature_labels(CASES["v3-sharded-nested"])[:3] == [
        "format: Zarr v3",
        "layout: sharding",
        "layout: nested sharding",
    ]
    assert "codec: v3 sharding_indexed" not in feature_labels(CASES["v3-sharded-nested"]), "sharding is a layout row"
    assert "codec: v2 zlib" in feature_labels(CASES["v2-int16-be-zlib"])
    assert "fill value: NaN" in feature_labels(CASES["v3-fill-float32-nan"])
    assert "fill value: hex bits" in feature_labels(CASES["v3-fill-float16-hex-signalling-nan"])
    assert "data type: complex" in feature_labels(CASES["v3-complex64"])
    assert feature_labels(CASES["invalid-v3-unknown-codec"]) == ["node: invalid input"], (
        "a broken store says nothing of its codec"
    )
    assert feature_labels(CASES["v3-hierarchy-with-v2-child"]) == ["format: Zarr v2", "format: Zarr v3", "node: groups"]
    assert feature_labels(None) == []


def test_cell_status_precedence():
    def cell(*outcomes):
        c = Cell()
        for i, o in enumerate(outcomes):
            c.add(o, i, ["codec gzip"] if o == "unsupported" else [])
        return c

    assert cell("pass", "pass").status == "ok" and cell("pass", "pass").text == "2/2"
    assert cell("pass", "xfail").status == "known"
    assert cell("pass", "xpass").status == "known" and cell("pass", "xpass").text == "2/2"
    assert cell("pass", "writer").status == "writer"
    assert cell("pass", "xfail", "writer", "fail").status == "bad"
    assert cell("crash").status == "bad" and cell("timeout").status == "bad"
    assert cell("unsupported", "unsupported").status == "unsupported" and cell("unsupported").text == "unsupported"
    assert cell().status == "none"
    mixed = cell("pass", "unsupported")
    assert mixed.text == "1/1" and mixed.unsupported == {"codec gzip": 1} and mixed.details == []


def _record(spec, test_id, outcome, case="v3-int32", writer=None, message="", because=(), at_fault=False):
    """A record of schema version 2."""
    return {
        "spec": spec,
        "test_id": test_id,
        "nodeid": f"x::{test_id}",
        "outcome": outcome,
        "case": case,
        "writer": writer,
        "message": message,
        "features": [] if writer else feature_labels(CASES[case]),
        "suite": "interop" if writer else "array_read",
        "implementation": spec,
        "version": "1",
        "phase": "call",
        "failure_kind": outcome if outcome in ("fail", "timeout", "crash") else None,
        "unsupported_because": list(because),
        "writer_at_fault": at_fault,
        "duration": 0.1,
        "requirements": ["V3-CORE-023"],
        "reproduce": f"pytest ... {test_id}",
    }


def _document():
    """A matrix document of schema version 2."""

    def impl(spec: str, reference: bool = False) -> dict:
        return {
            "spec": spec,
            "name": spec,
            "version": "1",
            "reference": reference,
            "capabilities": {},
            "label": "reference reader" if reference else f"{spec} 1",
            "runs": [],
        }

    def writer(label: str, name: str, stores: int) -> dict:
        return {
            "label": label,
            "name": name,
            "version": "1",
            "folder": f"stores/{name}",
            "stores": stores,
            "conforming": stores,
            "features": [],
        }

    return {
        "schema": "zarr-conformance/matrix",
        "schema_version": 2,
        "kit_version": "0",
        "created": "now",
        "duration": 1.0,
        "jobs": 2,
        "expectations": "none",
        "strict": False,
        "implementations": [impl("good"), impl("bad"), impl("reference", True)],
        "interop": {
            "writers": [writer("good-1", "good", 2), writer("reference", "reference", 2), writer("ro-1", "ro", 0)],
            "readers": [],
        },
        "stale_expectations": [],
        "incomplete_runs": [],
        "duplicate_implementations": [],
        "summary": {},
        "unexpected": 2,
        "results": [
            _record("good", "test_read_full[v3-int32]", "pass"),
            _record("bad", "test_read_full[v3-int32]", "fail", message="observed: </script><script>alert(1)</script>"),
            _record(
                "good",
                "test_read_full[v3-gzip-level1]",
                "unsupported",
                case="v3-gzip-level1",
                message="the adapter does not claim: codec gzip",
                because=["codec gzip"],
            ),
            _record("bad", "test_read_full[v3-gzip-level1]", "xfail", case="v3-gzip-level1"),
            _record(
                "reference",
                "test_reads_store_written_by[good-1/v3-int32]",
                "xfail",
                writer="good-1",
                message="expected failure: caused by the writer good-1: ...",
                at_fault=True,
            ),
            _record("bad", "test_reads_store_written_by[reference/v3-int32]", "fail", writer="reference"),
        ],
    }


def _v1(document):
    """The same document as version 1 wrote it: the facts in the message text, no phase or failure kind."""

    def old(record):
        added = ("phase", "failure_kind", "unsupported_because", "writer_at_fault")
        out = {k: v for k, v in record.items() if k not in added}
        if record["unsupported_because"]:
            out["message"] = "unsupported: " + "; ".join(record["unsupported_because"])
        if record["writer_at_fault"]:
            out["message"] = f"expected failure: the writer {record['writer']} is at fault: ..."
        return out

    return {**document, "schema_version": 1, "results": [old(r) for r in document["results"]]}


def test_both_schema_versions_are_valid_documents():
    from zarr_conformance.documents import check, matrix_schema

    jsonschema.validate(_document(), matrix_schema(2))
    jsonschema.validate(_v1(_document()), matrix_schema(1))
    check(_document())
    check(_v1(_document()))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_v1(_document()), matrix_schema(2))


def test_a_v1_document_is_read_as_its_v2_form():
    from zarr_conformance.documents import upgrade

    upgraded = upgrade(_v1(_document()))
    by_id = {(r["spec"], r["test_id"]): r for r in upgraded["results"]}
    assert by_id[("good", "test_read_full[v3-gzip-level1]")]["unsupported_because"] == ["codec gzip"]
    assert by_id[("reference", "test_reads_store_written_by[good-1/v3-int32]")]["writer_at_fault"] is True
    assert by_id[("bad", "test_reads_store_written_by[reference/v3-int32]")]["writer_at_fault"] is False
    assert by_id[("bad", "test_read_full[v3-int32]")]["failure_kind"] == "fail"
    assert all(r["phase"] is None for r in upgraded["results"])
    assert upgraded["schema_version"] == 2 and upgrade(_document()) == _document(), "a v2 document is read as it is"


def test_v1_and_v2_documents_render_alike():
    from zarr_conformance.documents import upgrade

    old, new = build_tables(upgrade(_v1(_document()))), build_tables(_document())
    assert (old.features, old.interop, old.requirements, old.unchecked) == (
        new.features,
        new.interop,
        new.requirements,
        new.unchecked,
    )
    assert [{**d, "message": ""} for d in old.details] == [{**d, "message": ""} for d in new.details], "messages aside"
    assert old.interop.cell("good 1", "reference reader").status == "writer"
    assert old.features.cell("codec: v3 gzip", "good 1").unsupported == {"codec gzip": 1}
    assert render_markdown(upgrade(_v1(_document()))) == render_markdown(_document())


def test_tables_from_a_document():
    tables = build_tables(_document())
    features, interop, details = tables.features, tables.interop, tables.details
    assert features.columns == ["good 1", "bad 1"], "the reference reader is no feature column"
    assert features.rows[-1] == "all tests" and "codec: v3 gzip" in features.rows
    assert features.cell("codec: v3 gzip", "good 1").status == "unsupported"
    assert features.cell("codec: v3 gzip", "bad 1").status == "known"
    assert (
        features.cell("format: Zarr v3", "bad 1").text == "0/2"
        and features.cell("format: Zarr v3", "bad 1").status == "bad"
    )
    assert interop.rows == ["reference writer", "good 1"], (
        "the reference writer first; a writer of no stores has no row"
    )
    assert interop.columns == ["reference reader", "good 1", "bad 1"]
    assert interop.cell("good 1", "reference reader").status == "writer"
    assert interop.cell("reference writer", "bad 1").status == "bad"
    assert {d["outcome"] for d in details} == {"fail", "xfail", "writer"}
    requirements = tables.requirements
    assert requirements.rows == ["V3-CORE-023"] and requirements.columns == ["good 1", "bad 1"]
    assert requirements.cell("V3-CORE-023", "bad 1").text == "0/3" and requirements.cell("V3-CORE-023", "bad 1").details
    assert requirements.row_notes["V3-CORE-023"].startswith("RULE: ") and "V2-034" in tables.unchecked


def test_markdown_marks_cells():
    text = render_markdown(_document())
    assert re.search(r"\| format: Zarr v3 \| 1/1 \| 0/2 ✗ \|", text)
    assert "| good 1 | 0/1 ◑ |" in text
    assert "Needs attention" in text and "`test_read_full[v3-int32]` (fail)" in text
    assert "| V3-CORE-023 | RULE | 1/1 | 0/3 ✗ |" in text


def test_interop_failures_that_need_triage_are_marked_apart_from_unexpected_ones_except_under_strict():
    document = _document()
    read = "test_reads_store_written_by[reference/v3-int32]"
    document["needs_triage"] = [
        {"implementation": "bad 1", "spec": "bad", "name": "bad", "tests": [read], "command": "c"}
    ]
    tables = build_tables(document)
    assert tables.interop.cell("reference writer", "bad 1").status == "triage"
    assert [d["outcome"] for d in tables.details if d["test_id"] == read] == ["triage"]
    assert "| reference writer | – | – | 0/1 ? |" in render_markdown(document)
    assert "interop failures of a new reader or writer, to triage" in render_html(document)
    (bad,) = [s for s in implementation_summary(document) if s["label"] == "bad 1"]
    assert bad["unexpected"] == 1 and bad["needs_triage"] == 1, "the suite failure stays unexpected"
    strict = build_tables({**document, "strict": True})
    assert strict.interop.cell("reference writer", "bad 1").status == "bad"


def test_failures_that_need_triage_count_apart_from_unexpected_ones_except_under_strict():
    from zarr_conformance.documents import count_unexpected, counted_apart, triage_tests

    read = "test_reads_store_written_by[reference/v3-int32]"
    triage = [{"implementation": "bad 1", "spec": "bad", "name": "bad", "tests": [read], "command": "c"}]
    results = _document()["results"] + [_record("good", "test_read_chunk[v3-int32]", "xpass")]
    assert triage_tests(triage) == {("bad", read)}
    assert counted_apart(triage, strict=False) == {("bad", read)} and counted_apart(triage, strict=True) == set()
    assert count_unexpected(results, triage, strict=False) == 1, "the suite failure only: the interop one is apart"
    assert count_unexpected(results, [], strict=False) == 2, "with no triage listed, both failures are unexpected"
    assert count_unexpected(results, triage, strict=True) == 3, "under --strict, both failures and the xpass"
    elsewhere = [{**triage[0], "spec": "good"}]
    assert count_unexpected(results, elsewhere, strict=False) == 2, "an entry speaks only of its own column"


def test_html_payload_cannot_close_its_script_element():
    html = render_html(_document())
    payload = html.split('<script type="application/json" id="matrix-data">', 1)[1].split("</script>", 1)[0]
    assert "alert(1)" in payload and "</script>" not in payload
    assert "http://" not in html and "https://" not in html, "self-contained: nothing to fetch"


def test_progress_display_per_implementation(tmp_path):
    import io

    from zarr_conformance.matrix import ChildRun, Display

    def child(spec, name):
        return ChildRun(
            spec, "suites", tmp_path / f"{name}.json", tmp_path / f"{name}.log", [], name=name, version="1.0"
        )

    a, b = child("a", "impl-a"), child("b", "impl-b")
    terminal = io.StringIO()
    display = Display(terminal, force_terminal=True)
    display.begin([a, b])
    a.state, a.total, a.done, a.failed = "running", 40, 25, 3
    display.update(a)
    display.end()
    shown = terminal.getvalue()
    assert "impl-a 1.0" in shown and "25/40" in shown and "3" in shown and "impl-b 1.0" in shown

    log = io.StringIO()
    display = Display(log)
    display.begin([a])
    for state in ("running", "running", "completed"):
        a.state = state
        display.update(a)
    lines = log.getvalue().splitlines()
    assert len(lines) == 2, "without a terminal: one line per change of state"
    assert "completed" in lines[1] and "25/40 tests, 3 failing" in lines[1]


# ---- the HTML page in a headless Chromium: colours, links, fragments, the filter ---------------

UPSTREAM = "https://github.com/zarr-developers/zarr-python/issues/1234"


def _navigable_document():
    """Three implementations that pass all, three in four (one unexpected failure) and three in four (one known
    deviation, with an upstream link) of the v3-int32 tests; beta also crashes on the one gzip test."""
    document = _document()
    tests = ["test_read_full", "test_shape", "test_fill_value", "test_attributes"]
    results = []
    for spec in ("alpha", "beta", "gamma"):
        for test in tests:
            outcome, message = "pass", ""
            if test == "test_read_full" and spec == "beta":
                outcome, message = "fail", 'observed: <b>bold</b> javascript:alert(1) "data:text/html,x" 0 != 42'
            if test == "test_read_full" and spec == "gamma":
                outcome, message = "xfail", f"expected failure: reads 0 for a missing chunk ({UPSTREAM}). observed: 0"
            results.append(_record(spec, f"{test}[v3-int32]", outcome, message=message))
    results.append(_record("alpha", "test_read_full[v3-gzip-level1]", "unsupported", "v3-gzip-level1", because=["x"]))
    results.append(_record("beta", "test_read_full[v3-gzip-level1]", "crash", "v3-gzip-level1", message="died"))
    results.append(_record("gamma", "test_read_full[v3-gzip-level1]", "pass", "v3-gzip-level1"))
    results.append(_record("reference", "test_reads_store_written_by[good-1/v3-int32]", "pass", writer="good-1"))
    implementations = [
        {**document["implementations"][0], "spec": spec, "name": spec, "label": f"{spec} 1"}
        for spec in ("alpha", "beta", "gamma")
    ] + [document["implementations"][-1]]
    return {**document, "implementations": implementations, "results": results}


def test_cells_are_graded_by_the_fraction_that_passes():
    from zarr_conformance.report import grade

    def cell(passed, failed, outcome="fail"):
        c = Cell()
        for _ in range(passed):
            c.add("pass", None)
        for i in range(failed):
            c.add(outcome, i)
        return c

    assert [grade(cell(p, 20 - p)) for p in (0, 1, 9, 10, 15, 16, 18, 19, 20)] == [0, 1, 1, 2, 2, 3, 3, 4, 5]
    assert grade(cell(19, 1, "xfail")) == 4, "a known deviation counts as not passing; its mark tells it apart"
    assert grade(Cell()) is None


@pytest.fixture(scope="module")
def browser():
    from browser import launched

    with launched() as launched_browser:
        yield launched_browser


@pytest.fixture(scope="module")
def report_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("report") / "matrix.html"
    path.write_text(render_html(_navigable_document()), encoding="utf-8")
    return path.as_uri()


@pytest.fixture
def page(browser, report_url):
    from browser import PageLog

    log = PageLog()
    opened = log.watch(browser.new_page())
    opened.set_default_timeout(5000)
    yield opened
    opened.close()
    log.assert_clean_and_offline(report_url)


def _cell(page, table: int, row: str, column: str):
    headings = page.locator(f"#table-{table} thead th").all_inner_texts()
    index = headings.index(column) - 1
    return (
        page.locator(f"#table-{table} tbody tr", has=page.locator("th", has_text=row)).locator("button.cell").nth(index)
    )


def test_colours_follow_the_pass_fraction_and_marks_tell_known_from_unexpected(page, report_url):
    page.goto(report_url)
    row = "format: Zarr v3"
    alpha, beta, gamma = (_cell(page, 0, row, f"{name} 1") for name in ("alpha", "beta", "gamma"))
    assert [c.inner_text().split()[0] for c in (alpha, beta, gamma)] == ["4/4", "3/5", "4/5"]

    def look(locator):
        return locator.evaluate(
            "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.backgroundImage]; }"
        )

    (alpha_colour, alpha_image), (beta_colour, _), (gamma_colour, gamma_image) = look(alpha), look(beta), look(gamma)
    assert len({alpha_colour, beta_colour, gamma_colour}) == 3, "4/4, 3/5 and 4/5 are three grades"
    assert gamma_image != "none" and alpha_image == "none", "only known deviations are hatched"
    assert "◐" in gamma.inner_text() and "✗" in beta.inner_text() and not re.search(r"[◐◑✗]", alpha.inner_text())
    assert "60% passed" in beta.get_attribute("aria-label") and "unexpected" in beta.get_attribute("aria-label")
    legend = page.locator(".legend").inner_text()
    assert "100%" in legend and "known deviations" in legend and "◐" in legend and "✗" in legend


def test_upstream_links_in_messages_are_clickable_and_only_http(page, report_url):
    page.goto(report_url)
    _cell(page, 0, "format: Zarr v3", "gamma 1").click()
    links = page.locator("#details-body pre a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == UPSTREAM, "the closing parenthesis is not part of the link"
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    _cell(page, 0, "format: Zarr v3", "beta 1").click()
    message = page.locator("#details-body pre.message").first
    assert "<b>bold</b> javascript:alert(1)" in message.inner_text(), "shown as text, not markup"
    assert message.locator("a, b").count() == 0, "neither javascript: nor data: becomes a link"


def test_a_cell_has_a_fragment_that_opens_it(page, report_url):
    page.goto(report_url)
    _cell(page, 0, "format: Zarr v3", "beta 1").click()
    fragment = "#cell=beta%201/format%3A%20Zarr%20v3"
    assert page.evaluate("location.hash") == fragment
    page.goto("about:blank")
    page.goto(report_url + fragment)
    assert page.locator("#details").is_visible()
    assert page.locator("#details-title").inner_text().startswith("format: Zarr v3 · beta 1")
    assert _cell(page, 0, "format: Zarr v3", "beta 1").get_attribute("aria-pressed") == "true"
    page.evaluate("location.hash = '#cell=gamma%201/V3-CORE-023'")  # a requirement row: the third table
    page.wait_for_function("document.getElementById('details-title').textContent.startsWith('V3-CORE-023')")
    page.go_back()
    page.wait_for_function("document.getElementById('details-title').textContent.startsWith('format: Zarr v3')")
    page.click("#close-details")
    assert page.locator("#details").is_hidden() and page.evaluate("location.hash") in ("", "#")
    _cell(page, 0, "all tests", "alpha 1").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#cell=alpha%201/all%20tests", "a cell opens from the keyboard"
    page.keyboard.press("Escape")
    assert page.locator("#details").is_hidden()


def test_a_fragment_naming_nothing_opens_nothing(page, report_url):
    page.goto(report_url + "#cell=nobody/nothing&q=%E0%A4%A")  # no such cell; a broken escape
    assert page.locator("#details").is_hidden() and page.locator("#filter").input_value() == ""
    page.goto(report_url + "#test=test_read_full%5Bv3-no-such-case%5D")
    assert "passed, or was unsupported, wherever it ran" in page.locator("#details").inner_text()


def test_a_test_has_a_fragment_that_opens_it(page, report_url):
    page.goto(report_url)
    _cell(page, 0, "all tests", "beta 1").click()
    page.locator("#details-body a.id", has_text="test_read_full[v3-gzip-level1]").click()
    assert page.evaluate("location.hash") == "#test=test_read_full%5Bv3-gzip-level1%5D"
    assert "test_read_full[v3-gzip-level1]" in page.locator("#details-title").inner_text()
    page.goto("about:blank")
    page.goto(report_url + "#test=test_read_full%5Bv3-int32%5D")
    text = page.locator("#details").inner_text()
    assert "beta 1" in text and "gamma 1" in text and "0 != 42" in text, "every implementation it did not pass in"
    assert "test_shape" not in text


def test_the_filter_narrows_the_tables_counts_matches_and_lives_in_the_fragment(page, report_url):
    page.goto(report_url)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "filter", "/ focuses the search box"
    page.keyboard.type("impl:beta outcome:fail")
    visible = page.locator("#table-0 tbody tr:visible th").all_inner_texts()
    assert "format: Zarr v3" in visible and not any("gzip" in row for row in visible), "gzip crashed, not failed"
    assert page.locator("#table-0 thead th:visible").all_inner_texts()[1:] == ["beta 1"]
    assert re.search(r"\b\d+ of \d+ cells match", page.locator("#filter-count").inner_text())
    assert "q=impl%3Abeta%20outcome%3Afail" in page.evaluate("location.hash")

    page.goto("about:blank")
    page.goto(report_url + "#q=req%3AV3-CORE-023%20outcome%3Axfail")
    assert page.locator("#filter").input_value() == "req:V3-CORE-023 outcome:xfail"
    assert page.locator("#table-2 thead th:visible").all_inner_texts()[1:] == ["gamma 1"]
    assert page.locator("#table-0").is_hidden(), "req: narrows the requirements table; the others have no match"
    page.fill("#filter", "colour:red")
    assert "unknown filter key 'colour'" in page.locator("#filter-count").inner_text()
    page.focus("#filter")
    page.keyboard.press("Escape")
    assert page.locator("#filter").input_value() == "" and page.locator("#table-0 tbody tr:visible").count() > 3


def test_the_screenshots_of_the_page_are_committed_small_and_shown():
    """docs/images/make_screenshots.py makes them; the docs show them."""
    repo = Path(__file__).resolve().parent.parent
    images = {p.name: p for p in (repo / "docs" / "images").glob("*.png")}
    assert set(images) == {"matrix-grades.png", "matrix-filter.png", "matrix-shared-link.png"}
    for name, path in images.items():
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 200_000, f"{name}: a PNG under 200 KB"
    results = (repo / "docs" / "results.md").read_text(encoding="utf-8")
    assert all(f"](images/{name})" in results for name in images), "docs/results.md shows every screenshot"
    assert "](docs/images/matrix-grades.png)" in (repo / "README.md").read_text(encoding="utf-8")
