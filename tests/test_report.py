"""The report tables from a results document: feature rows, cell statuses, the interop table, escaping."""

from __future__ import annotations

import re

from zarr_conformance.features import feature_labels
from zarr_conformance.fixtures.cases import load_catalogue
from zarr_conformance.report import Cell, build_tables, render_html, render_markdown

CASES = {c.id: c for c in load_catalogue()}


def test_features_of_cases():
    assert feature_labels(CASES["v3-sharded-nested"])[:3] == ["format: Zarr v3", "layout: sharding", "layout: nested sharding"]
    assert "codec: v3 sharding_indexed" not in feature_labels(CASES["v3-sharded-nested"]), "sharding is a layout row"
    assert "codec: v2 zlib" in feature_labels(CASES["v2-int16-be-zlib"])
    assert "fill value: NaN" in feature_labels(CASES["v3-fill-float32-nan"])
    assert "fill value: hex bits" in feature_labels(CASES["v3-fill-float16-hex-signalling-nan"])
    assert "data type: complex" in feature_labels(CASES["v3-complex64"])
    assert feature_labels(CASES["invalid-v3-unknown-codec"]) == ["node: invalid input"], "a broken store says nothing of its codec"
    assert feature_labels(CASES["v3-hierarchy-with-v2-child"]) == ["format: Zarr v2", "format: Zarr v3", "node: groups"]
    assert feature_labels(None) == []


def test_cell_status_precedence():
    def cell(*outcomes):
        c = Cell()
        for i, o in enumerate(outcomes):
            c.add(o, i, "unsupported: codec gzip" if o == "unsupported" else "")
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


def _record(spec, test_id, outcome, case="v3-int32", writer=None, message=""):
    return {"spec": spec, "test_id": test_id, "outcome": outcome, "case": case, "writer": writer, "message": message,
            "features": [] if writer else feature_labels(CASES[case]), "suite": "interop" if writer else "array_read",
            "implementation": spec, "version": "1", "requirements": ["V3-CORE-023"], "reproduce": f"pytest ... {test_id}"}


def _document():
    impl = lambda spec, reference=False: {"spec": spec, "name": spec, "version": "1", "reference": reference, "capabilities": {},
                                          "label": "reference reader" if reference else f"{spec} 1", "runs": []}
    writer = lambda label, name, stores: {"label": label, "name": name, "version": "1", "folder": f"stores/{name}",
                                          "stores": stores, "conforming": stores, "features": []}
    return {
        "kit_version": "0", "created": "now", "duration": 1.0, "jobs": 2, "expectations": "none", "strict": False,
        "implementations": [impl("good"), impl("bad"), impl("reference", True)],
        "interop": {"writers": [writer("good-1", "good", 2), writer("reference", "reference", 2), writer("ro-1", "ro", 0)],
                    "readers": []},
        "stale_expectations": [], "incomplete_runs": [], "duplicate_implementations": [],
        "results": [
            _record("good", "test_read_full[v3-int32]", "pass"),
            _record("bad", "test_read_full[v3-int32]", "fail", message="observed: </script><script>alert(1)</script>"),
            _record("good", "test_read_full[v3-gzip-level1]", "unsupported", case="v3-gzip-level1", message="unsupported: codec gzip"),
            _record("bad", "test_read_full[v3-gzip-level1]", "xfail", case="v3-gzip-level1"),
            _record("reference", "test_reads_store_written_by[good-1/v3-int32]", "xfail", writer="good-1",
                    message="expected failure: the writer good-1 is at fault: ..."),
            _record("bad", "test_reads_store_written_by[reference/v3-int32]", "fail", writer="reference"),
        ],
    }


def test_tables_from_a_document():
    tables = build_tables(_document())
    features, interop, details = tables.features, tables.interop, tables.details
    assert features.columns == ["good 1", "bad 1"], "the reference reader is no feature column"
    assert features.rows[-1] == "all tests" and "codec: v3 gzip" in features.rows
    assert features.cell("codec: v3 gzip", "good 1").status == "unsupported"
    assert features.cell("codec: v3 gzip", "bad 1").status == "known"
    assert features.cell("format: Zarr v3", "bad 1").text == "0/2" and features.cell("format: Zarr v3", "bad 1").status == "bad"
    assert interop.rows == ["reference writer", "good 1"], "the reference writer first; a writer of no stores has no row"
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


def test_html_payload_cannot_close_its_script_element():
    html = render_html(_document())
    payload = html.split('<script type="application/json" id="matrix-data">', 1)[1].split("</script>", 1)[0]
    assert "alert(1)" in payload and "</script>" not in payload
    assert "http://" not in html and "https://" not in html, "self-contained: nothing to fetch"


def test_progress_display_per_implementation(tmp_path):
    import io

    from zarr_conformance.matrix import ChildRun, Display

    def child(spec, name):
        return ChildRun(spec, "suites", tmp_path / f"{name}.json", tmp_path / f"{name}.log", [], name=name, version="1.0")

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
