"""Pass reports and pipelines: one-line reprs, and HTML tables with timings."""

from __future__ import annotations

from pass_programs import CASES

from sluice.passes import PassManager, PassReport, PassReports, get_pass, pipeline


def test_a_run_returns_reports_that_show_as_a_table():
    pm = pipeline("O2")
    reports = pm.run(CASES["chain"].build())
    assert isinstance(reports, PassReports) and isinstance(reports, list)
    assert reports == list(reports) and len(reports) == len(pm.passes)
    r = repr(reports)
    assert r.startswith(f"<PassReports: {len(pm.passes)} passes, ") and "\n" not in r
    html = reports._repr_html_()
    for report in reports:
        assert report.pass_name in html
    assert "ms" in html and "total" in html
    fusion = next(r for r in reports if r.pass_name == "map-fusion")
    assert fusion.changes[0].split()[0] in html  # what changed, not only how much


def test_a_report_is_one_line_and_escapes_what_it_says():
    report = PassReport("vandal", ["renamed <script>alert(1)</script>"], 0.0012)
    assert repr(report) == "<PassReport vandal: 1 change, 1.20 ms>"
    html = report._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "1.20" in html


def test_a_pipeline_lists_its_passes_with_options_then_its_reports():
    pm = PassManager([get_pass("dead-code"), get_pass("map-fusion", max_rounds=3)],
                     verify=True)
    assert repr(pm) == "<PassManager: 2 passes, 0 reports, verifying>"
    before = pm._repr_html_()
    assert "map-fusion{max_rounds=3}" in before and "MapFusion" in before
    assert "<details" not in before
    pm.run(CASES["chain"].build())
    assert repr(pm) == "<PassManager: 2 passes, 2 reports, verifying>"
    after = pm._repr_html_()
    assert "<details open" in after and "reports of 2 pass runs" in after
