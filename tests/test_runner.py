"""The runner and the notebook, end to end, through the same code path as ``aimskit run``."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from aimskit import batch, engagement
from aimskit.base import resources
from aimskit.steps import STEPS, Step
from aimskit.steps import gap as gap_step
from aimskit.ui.cli import cli

PAYLOAD = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = batch.run(None, out=out)
    return result


def test_plan_default_is_organisation_plus_in_scope_systems():
    eng = engagement.load(resources.example_engagement())
    jobs = batch.plan(eng, ["gap"])
    assert [j.name for j in jobs] == [
        "gap/organisation",
        "gap/system-credit-score",
        "gap/system-llm-assist",
        "gap/system-cv-screen",
        "gap/system-collections-forecast",
        "gap/system-fraud-detect",
    ]
    assert [j.name for j in batch.plan(eng, ["gap"], ["cv-screen"])] == ["gap/system-cv-screen"]


@pytest.mark.parametrize(
    ("steps", "systems", "message"),
    [
        (["gapp"], [], "unknown step 'gapp'; did you mean 'gap'?"),
        (["gap"], ["cv-scren"], "unknown system 'cv-scren'; did you mean 'cv-screen'?"),
        (["gap"], ["affordability-legacy"], "is out of scope"),
    ],
)
def test_plan_rejects_unknown_names(steps, systems, message):
    eng = engagement.load(resources.example_engagement())
    with pytest.raises(batch.RunError, match=re.escape(message)):
        batch.plan(eng, steps, systems)


def _notebook(path: Path, cells: list[tuple[str, str, list[str]]]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, src, tags in cells:
        cell = nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


PARAMS = 'engagement_path = ""\noutput_dir = ""\nsystem_id = None\nresults_path = ""'


def test_check_notebook_requires_parameters_cell(tmp_path):
    nb = _notebook(tmp_path / "noparams.ipynb", [("code", PARAMS, [])])
    with pytest.raises(batch.RunError, match="no cell tagged 'parameters'"):
        batch.check_notebook(nb, ["engagement_path"])
    nb = _notebook(tmp_path / "partial.ipynb", [("code", 'engagement_path = ""', ["parameters"])])
    with pytest.raises(batch.RunError, match="does not declare the parameter"):
        batch.check_notebook(nb, ["engagement_path", "results_path"])


def test_example_run_writes_every_report(example_run):
    assert example_run.ok, [r.error for r in example_run.reports]
    out = example_run.out
    planned = batch.plan(engagement.load(resources.example_engagement()))
    assert [r.name for r in example_run.reports] == [j.name for j in planned]
    assert {"gap", "risk"} <= {r.step for r in example_run.reports}
    for r in example_run.reports:
        for kind in ("ipynb", "html", "json"):
            assert (out / r.files[kind]).is_file()
    assert (out / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert not list(out.rglob("*.partial.*")), "temporary files must not be left behind"


def test_manifest_records_versions_hashes_and_status(example_run):
    man = json.loads(example_run.manifest.read_text(encoding="utf-8"))
    eng_dir = resources.example_engagement()
    for name in ("engagement.yaml", "systems.csv", "gap.csv"):
        digest = hashlib.sha256((eng_dir / name).read_bytes()).hexdigest()
        assert man["engagement"]["inputs_sha256"][name] == digest
    assert man["catalog_version"] and man["aimskit_version"]
    assert {"pandas", "plotly", "papermill", "nbconvert"} <= set(man["packages"])
    assert "iso42001-annex-a.csv" in man["catalog_files_sha256"]
    logo_digest = hashlib.sha256((eng_dir / "logo.svg").read_bytes()).hexdigest()
    assert man["engagement"]["inputs_sha256"]["logo.svg"] == logo_digest
    assert "gap_assessment.ipynb" in man["notebooks_sha256"]
    assert man["status"] == "ok"
    first = man["reports"][0]
    assert first["status"] == "ok" and first["duration_s"] > 0 and first["started"] <= first["finished"]
    assert first["parameters"]["system_id"] is None


def test_results_json_matches_the_library(example_run):
    data = json.loads((example_run.out / "gap" / "organisation.json").read_text(encoding="utf-8"))
    direct = gap_step.assess(engagement.load(resources.example_engagement())).to_json()
    assert data["headline"] == json.loads(json.dumps(direct["headline"]))
    assert [r["id"] for r in data["remediation"]] == [r["id"] for r in direct["remediation"]]
    system = json.loads((example_run.out / "gap" / "system-cv-screen.json").read_text(encoding="utf-8"))
    assert system["system_id"] == "cv-screen"


def test_html_is_a_readable_offline_report(example_run):
    html = (example_run.out / "gap" / "organisation.html").read_text(encoding="utf-8")
    assert "Brightwater Consumer Finance Ltd" in html
    assert "Executive summary" in html and "Appendix: method" in html
    assert "hl-ipython3" not in html and "engagement.load(" not in html, "code must be hidden"
    assert "engagement_path" not in html, "parameter cells must be removed"
    assert html.count('id="ak-fig-') == 5  # clauses, objectives, 2 x maturity, heat map
    assert '<script src="../assets/plotly.min.js"></script>' in html
    for remote in ("cdn.plot.ly", "cdnjs.cloudflare.com", "unpkg.com", "require.min.js"):
        assert remote not in html
    assert "application/vnd.plotly.v1+json" not in html
    assert re.search(r'<img[^>]*src="data:image/svg\+xml;base64,[^"]+"', html), "the branding logo is embedded"


def test_user_text_is_escaped(example_run):
    html = (example_run.out / "gap" / "system-cv-screen.html").read_text(encoding="utf-8")
    assert PAYLOAD not in html
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_index_links_every_report(example_run):
    index = example_run.index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    for link in links:
        assert (example_run.out / link).is_file(), link
    assert len({link for link in links if link.endswith(".html")}) == len(example_run.reports)
    assert "Brightwater Consumer Finance Ltd" in index


def test_rendering_is_deterministic(tmp_path):
    a = batch.run(None, systems=["cv-screen"], out=tmp_path / "a")
    b = batch.run(None, systems=["cv-screen"], out=tmp_path / "b")
    assert a.ok and b.ok
    html_a = (tmp_path / "a" / "gap" / "system-cv-screen.html").read_bytes()
    html_b = (tmp_path / "b" / "gap" / "system-cv-screen.html").read_bytes()
    assert html_a == html_b
    json_a = (tmp_path / "a" / "gap" / "system-cv-screen.json").read_bytes()
    assert json_a == (tmp_path / "b" / "gap" / "system-cv-screen.json").read_bytes()


def _add_step(monkeypatch, name: str, nb: Path) -> None:
    monkeypatch.setitem(STEPS, name, Step(name, f"Test step {name}", str(nb), per_system=False))


@pytest.mark.parametrize(
    ("body", "timeout", "expected", "rendered"),
    [
        (
            "raise ValueError('boom in the notebook')",
            60,
            "cell 3 of fails.ipynb: ValueError: boom in the notebook",
            True,
        ),
        ("import time\ntime.sleep(60)", 2, "timeout: the report ran longer than the limit", False),
        ("import os\nos._exit(1)", 60, "the kernel died", False),
    ],
    ids=["exception", "timeout", "dead-kernel"],
)
def test_a_failing_report_is_recorded_and_the_others_kept(tmp_path, monkeypatch, body, timeout, expected, rendered):
    nb = _notebook(
        tmp_path / "fails.ipynb", [("code", PARAMS, ["parameters"]), ("code", "x = 1", []), ("code", body, [])]
    )
    _add_step(monkeypatch, "boom", nb)
    # the timeout is per report: with a short one, only the hanging report runs
    steps = ["boom", "gap"] if timeout > 10 else ["boom"]
    result = batch.run(None, steps=steps, systems=["cv-screen"], out=tmp_path / "out", timeout=timeout)
    by_name = {r.name: r for r in result.reports}
    failed = by_name["boom/organisation"]
    assert failed.status == "failed"
    assert failed.error.startswith(expected), failed.error
    if "gap" in steps:
        assert by_name["gap/system-cv-screen"].status == "ok"
    assert ("html" in failed.files) is rendered
    if rendered:  # a notebook that stopped in a cell is still rendered, with a banner
        page = (tmp_path / "out" / failed.files["html"]).read_text(encoding="utf-8")
        assert "This report did not complete." in page
    man = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert man["status"] == "failed"
    assert not list((tmp_path / "out").rglob("*.partial.*"))


def test_cli_run_exit_code_and_one_line_error(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "fails.ipynb", [("code", PARAMS, ["parameters"]), ("code", "1/0", [])])
    _add_step(monkeypatch, "boom", nb)
    res = CliRunner().invoke(cli, ["run", "--step", "boom", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "FAILED  boom/organisation: cell 2 of fails.ipynb: ZeroDivisionError: division by zero" in res.output
    assert "Traceback" not in res.output


def test_cli_run_refuses_an_invalid_engagement(tmp_path):
    bad = Path(__file__).parent / "fixtures" / "invalid" / "gap-bad"
    res = CliRunner().invoke(cli, ["run", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "gap.csv:9:status: 'complient' is not one of" in res.output
    assert "nothing was run" in res.output
    assert not (tmp_path / "o").exists()


def test_run_refuses_to_write_over_user_files(tmp_path, example_copy):
    inside = example_copy / "reports"
    with pytest.raises(batch.RunError, match="inside the engagement folder"):
        batch.run(example_copy, out=inside)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "index.html").write_text("my own page", encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(example_copy), "--out", str(busy)])
    assert res.exit_code == 1 and "refusing to write into it" in res.output
    assert (busy / "index.html").read_text(encoding="utf-8") == "my own page"
    assert batch.kernel_warning() is None


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_charts_render_offline_in_a_headless_browser(example_run):
    browser = _chromium()
    if browser is None:
        if os.environ.get("AIMSKIT_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (AIMSKIT_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium not installed")
    page = (example_run.out / "gap" / "organisation.html").resolve()
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={example_run.out / '.chromium'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = proc.stdout
    figures = dom.count('class="plotly-graph-div')
    assert figures == 5, proc.stderr[-2000:]
    assert dom.count('class="main-svg"') >= figures, "every chart must be drawn by the local plotly.js"


def test_output_paths_with_braces_and_unwritable_places(tmp_path):
    odd = tmp_path / "client {engagement_path} x{y}"
    result = batch.run(None, systems=["cv-screen"], out=odd)
    assert result.ok, [r.error for r in result.reports]
    assert (odd / "gap" / "system-cv-screen.html").is_file()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    for bad in (a_file, a_file / "sub", Path("/dev/null")):
        res = CliRunner().invoke(cli, ["run", "--out", str(bad)])
        assert res.exit_code == 1, res.output
        assert res.output.startswith("error: "), res.output


def test_heatmap_labels_stay_distinct_when_system_names_repeat(example_copy):
    text = (example_copy / "systems.csv").read_text(encoding="utf-8")
    text = text.replace("Collections Volume Forecast", "Consumer Credit Scoring Model (BW-Score v7)")
    (example_copy / "systems.csv").write_text(text, encoding="utf-8")
    from aimskit.steps.gap import view

    eng = engagement.load(example_copy)
    fig = view.system_heatmap(eng, gap_step.assess(eng))
    labels = list(fig.figure.data[0].x)
    assert len(set(labels)) == len(labels) == 5


def test_risk_reports_and_handover_files(example_run):
    by_name = {r.name: r for r in example_run.reports}
    org = by_name["risk/organisation"]
    assert org.status == "ok", org.error
    assert set(org.files) == {"ipynb", "html", "json", "soa_csv", "treatment_plan_csv"}
    soa = (example_run.out / org.files["soa_csv"]).read_text(encoding="utf-8").splitlines()
    annex = [line.split(",")[0] for line in soa[1:39]]
    assert annex[0] == "A.2.2" and annex[-1] == "A.10.4" and len(soa) == 1 + 38 + 3  # 3 own controls
    html = (example_run.out / org.files["html"]).read_text(encoding="utf-8")
    for heading in (
        "Executive summary",
        "Risk criteria",
        "Risk treatment plan",
        "Statement of Applicability",
        "Consistency findings",
        "Appendix: method",
    ):
        assert heading in html
    assert 'href="organisation-soa.csv"' in html
    assert html.count('id="ak-fig-') == 7  # criteria matrix, 2 heat maps, levels, source, objective, system
    system = by_name["risk/system-cv-screen"]
    assert system.headline["risks"] == 4 and (example_run.out / system.files["soa_csv"]).is_file()


def test_cli_exit_codes_are_mapped_in_one_place(tmp_path, example_copy):
    """0 ok, 1 problems or failed reports, 2 usage, 3 internal: as the README's table says."""
    from aimskit.base.problems import AimskitError, InvalidEngagementError, UsageError
    from aimskit.ui.cli import exit_code

    assert exit_code(UsageError("x")) == 2
    assert exit_code(batch.RunError("x")) == 1
    assert exit_code(InvalidEngagementError([])) == 1
    assert exit_code(AimskitError("x")) == 1
    assert exit_code(KeyError("x")) == 3
    runner = CliRunner()
    res = runner.invoke(cli, ["run", str(example_copy), "--step", "gapp", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "unknown step 'gapp'; did you mean 'gap'?" in res.output
    res = runner.invoke(cli, ["run", str(example_copy), "--system", "nope", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "unknown system 'nope'" in res.output
    res = runner.invoke(cli, ["init", str(example_copy)])
    assert res.exit_code == 1 and "refusing to overwrite" in res.output
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "Exit codes: 0 success, 1 problems in the input or a failed report, 2 wrong usage" in readme


@pytest.mark.parametrize("plotly_src", ["../assets/plotly.min.js", None], ids=["shared-plotly", "inline-plotly"])
def test_report_html_is_nbconverts_page_without_its_reserialisation(example_run, plotly_src):
    """aimskit skips nbconvert's BeautifulSoup pass (tabindex, alt texts) and adds the same attributes
    itself: parsed and serialised as nbconvert does, the page is exactly nbconvert's."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from aimskit.present import render

    for name in ("risk/system-cv-screen.ipynb", "gap/organisation.ipynb", "audit/organisation.ipynb"):
        nb = nbformat.read(str(example_run.out / name), as_version=4)
        image = nbformat.v4.new_code_cell("")
        image.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<img src='x.png'>"})]
        nb.cells.append(image)  # an image without an alt text
        ours = render.render_html_text(nb, title="t", plotly_src=plotly_src, error="stopped <here>")
        stock = render._strip_plotly_mime(nb)
        stock.metadata["title"] = "t"
        res = {"metadata": {"name": "t"}, "aimskit_colour": "#1F4E79", "aimskit_error": "stopped <here>"}
        res["aimskit_footer"] = f"Generated by aimskit {__import__('aimskit').__version__}"
        res |= {"aimskit_plotly_src": plotly_src} if plotly_src else {"aimskit_plotly_inline": render._plotly_js()}
        theirs, _ = HTMLExporter.from_notebook_node(render._exporter(), stock, resources=res)
        assert str(BeautifulSoup(ours, "html.parser")) == theirs, name
        assert 'tabindex="0"' in ours and f'alt="{render.NO_ALT}"' in ours
