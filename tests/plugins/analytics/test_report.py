"""f0 report: a real run, a real history, the page opened in headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.analytics.support import hooks, record_run

pytestmark = pytest.mark.slow

F0 = Path(sys.executable).with_name("f0")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ETL = """
metadata: {name: nightly-etl, description: Orders and users into the warehouse}
steps:
  - {name: extract, idx: 1, module: etl, function: nap, args: {seconds: 0.15}}
  - {name: transform_orders, idx: 2, module: etl, function: nap, args: {seconds: 0.6}, depends_on: [extract]}
  - {name: transform_users, idx: 3, module: etl, function: nap, args: {seconds: 0.25}, depends_on: [extract]}
  - {name: enrich_geo, idx: 4, module: etl, function: nap, args: {seconds: 0.3}, depends_on: [extract]}
  - {name: quality_check, idx: 5, module: etl, function: check, depends_on: [transform_orders, transform_users], retries: 1, retry: {delay: 0.05}}
  - {name: load_warehouse, idx: 6, module: etl, function: nap, args: {seconds: 0.1}, depends_on: [enrich_geo, transform_users]}
  - {name: publish, idx: 7, module: etl, function: nap, depends_on: [quality_check, load_warehouse]}
"""

ETL_STEPS = """
import time

def nap(context, params):
    time.sleep(params.get("seconds", 0))
    context.set("done." + str(params.get("seconds", 0)), True)
    return {"slept": params.get("seconds", 0)}

def check(context, params):
    raise ValueError("3 orders have no customer (order ids 1041, 1187, 1203)")
"""

# Typical past durations: transform_orders usually takes ~0.3 s (this run: 0.6 s).
PAST = {
    "extract": 0.15,
    "transform_orders": 0.3,
    "transform_users": 0.25,
    "enrich_geo": 0.3,
    "quality_check": 0.02,
    "load_warehouse": 0.1,
    "publish": 0.01,
}


def _f0(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(F0), *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A recipe with 12 past runs (store API) and one real run: parallel, a failure, a skip."""
    root = tmp_path_factory.mktemp("report")
    (root / "etl.py").write_text(textwrap.dedent(ETL_STEPS), encoding="utf-8")
    recipe_path = root / "etl.yaml"
    recipe_path.write_text(textwrap.dedent(ETL).lstrip(), encoding="utf-8")
    h = hooks()
    recipe = h.load_recipe(recipe_path)
    store = h.run_store(f"sqlite:///{root / '.f0' / 'f0.db'}")
    try:
        for i in range(12):
            jitter = 1 + 0.04 * ((i * 5) % 7 - 3)
            record_run(
                store,
                recipe,
                f"20261201-0000{i:02d}-past{i:02d}",
                {k: ("COMPLETED", v * jitter) for k, v in PAST.items()},
                started_at=time.time() - 86400 + 3600 * i,
            )
    finally:
        store.close()
    run = _f0("run", str(recipe_path), "-q", "--workers", "3", "--continue-on-error", cwd=root)
    assert run.returncode == 1, run.stderr  # quality_check fails: the run ends PARTIAL
    out = _f0("report", "last", "-o", str(root / "report.html"), cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith(f"wrote {root / 'report.html'}")
    return root / "report.html", out.stderr


def test_report_is_one_self_contained_file(report: tuple[Path, str]) -> None:
    html = report[0].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for tag in ("<script src", "<link", "<img", "@import"):
        assert tag not in html
    assert html.count("url(") == html.count("url(#arrow)")  # only the SVG's own marker
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def _open(path: Path, screenshot: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            seen: dict[str, Any] = {"requests": requests}
            seen["title"] = page.title()
            seen["run_status"] = page.inner_text("#run-status")
            seen["nodes"] = page.eval_on_selector_all(
                "#dag g.node",
                "els => els.map(e => [e.dataset.step, e.dataset.status, e.querySelector('rect').getAttribute('fill')])",
            )
            seen["edges"] = page.locator("#dag path.edge").count()
            seen["bars"] = page.eval_on_selector_all(
                "#timeline g.bar", "els => els.map(e => [e.dataset.step, Number(e.dataset.lane)])"
            )
            seen["rows"] = page.eval_on_selector_all(
                "#step-table tbody tr", "els => els.map(e => [e.dataset.step, e.className])"
            )
            seen["errors"] = page.inner_text("#errors")
            seen["context_open_before"] = page.eval_on_selector("#context", "e => e.open")
            page.click("#context summary")
            seen["context_open_after"] = page.eval_on_selector("#context", "e => e.open")
            seen["context_text"] = page.inner_text("#context pre")
            page.click("#context summary")  # closed again for the picture
            page.fill("#step-filter", "transform")
            seen["filtered"] = page.eval_on_selector_all(
                "#step-table tbody tr", "els => els.filter(e => e.style.display !== 'none').length"
            )
            page.fill("#step-filter", "")
            page.locator("#step-filter").blur()
            seen["dag_box"] = page.locator("#dag svg").bounding_box()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return seen


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_report_in_a_real_browser(report: tuple[Path, str], tmp_path: Path) -> None:
    path = report[0]
    shot = tmp_path / "report.png"
    seen = _open(path, shot)
    # Nothing is fetched but the page itself.
    assert seen["requests"] == [path.as_uri()]
    assert seen["title"].startswith("nightly-etl \u2014 run ")
    assert seen["run_status"] == "PARTIAL"
    nodes = {name: (status, fill) for name, status, fill in seen["nodes"]}
    assert nodes["extract"] == ("COMPLETED", "#32CD32")
    assert nodes["quality_check"] == ("FAILED", "#DC143C")
    assert nodes["publish"] == ("SKIPPED", "#FFD700")
    assert seen["edges"] == 9
    # Parallel branches sit on separate lanes of the timeline.
    lanes = dict(seen["bars"])
    assert "publish" not in lanes  # skipped: never ran
    assert len({lanes["transform_orders"], lanes["transform_users"], lanes["enrich_geo"]}) == 3
    rows = dict(seen["rows"])
    assert len(rows) == 7
    assert "anomaly" in rows["transform_orders"]  # 0.6 s against ~0.3 s in the past
    assert "anomaly" not in rows["extract"]
    assert "quality_check" in seen["errors"]
    assert "3 orders have no customer" in seen["errors"]
    assert "2 attempts" in seen["errors"]
    # The stored traceback names the step's own code, and each failed attempt says why.
    assert "Traceback" in seen["errors"]
    assert ", in check" in seen["errors"]
    assert "attempt 1: ValueError: 3 orders have no customer" in seen["errors"]
    assert (seen["context_open_before"], seen["context_open_after"]) == (False, True)
    assert '"steps.extract.status": "COMPLETED"' in seen["context_text"]
    assert seen["filtered"] == 2
    assert seen["dag_box"]["width"] > 600
    assert shot.stat().st_size > 20_000
    # Keep the picture for the README when asked: F0_REPORT_SCREENSHOT=docs/images/report.png
    target = os.environ.get("F0_REPORT_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)


def test_report_bad_reference(report: tuple[Path, str]) -> None:
    root = report[0].parent
    out = _f0("report", "no-such-run", cwd=root)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "no-such-run" in out.stderr
    assert "Traceback" not in out.stderr
    empty = _f0("report", "last", "--store", f"sqlite:///{root / 'empty.db'}", cwd=root)
    assert empty.returncode == 2
    assert empty.stderr.strip() == "RUN_ID: no run 'last': the store has no runs yet"
