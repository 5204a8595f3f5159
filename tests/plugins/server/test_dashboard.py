"""The dashboard in a real browser: Debian's chromium driven by Playwright.

A server runs, the page is open, a recipe runs with ``--context-server``:
the page must show every step's final status and the changed values without
a reload, filter the context table, and show a key's history. The screenshot
is kept in the test's folder; ``F0_SAVE_SCREENSHOTS=1`` also writes
``docs/images/dashboard.png`` (the README's picture).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import F0

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_IMAGE = Path(__file__).resolve().parents[3] / "docs" / "images" / "dashboard.png"

pytestmark = pytest.mark.slow

RECIPE = """
metadata: {name: sales-report}
steps:
  - {name: load, idx: 1, module: steps, function: load}
  - {name: clean, idx: 2, module: steps, function: clean, depends_on: [load]}
  - {name: by_region, idx: 3, module: steps, function: by_region, depends_on: [clean]}
  - {name: trend, idx: 4, module: steps, function: trend, depends_on: [clean]}
  - {name: check, idx: 5, module: steps, function: check, depends_on: [by_region, trend]}
  - {name: report, idx: 6, module: steps, function: report, depends_on: [check]}
  - {name: publish, idx: 7, module: steps, function: publish, depends_on: [report], enabled: false}
"""

STEPS = """
import time


def load(context, params):
    time.sleep(0.3)
    context.set("sales.rows", 1200)


def clean(context, params):
    time.sleep(0.2)
    context.set("sales.rows", context.get("sales.rows") - 37)
    context.set("sales.dropped", 37)


def by_region(context, params):
    time.sleep(0.4)
    context.set("stats.by_region", {"north": 412, "south": 388, "west": 363})


def trend(context, params):
    time.sleep(0.3)
    context.set("stats.trend", [101, 98, 120, 131])


def check(context, params):
    if context.get("threshold", 0) > 1000:
        raise RuntimeError("too few rows for the threshold")
    context.set("report.ok", True)


def report(context, params):
    context.set("report.title", "Q3 sales: " + str(context.get("sales.rows")) + " rows")
"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "recipe.yaml").write_text(textwrap.dedent(RECIPE).lstrip())
    (root / "steps.py").write_text(textwrap.dedent(STEPS).lstrip())
    return root


def run_recipe(project, url, *extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("F0_")}
    return subprocess.run(
        [str(F0), "run", "recipe.yaml", "--store", "none", "-q", "--context-server", url, *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dashboard_follows_a_run_live(browser, start_server, project, tmp_path):
    server = start_server("--store", "sqlite:///ctx.db")
    with server.client() as http:
        http.post("/ctx", json={"key": "threshold", "value": 500, "who": "alice"})
        http.post("/ctx", json={"key": "sales.rows", "value": 0, "who": "alice"})
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    external: list[str] = []
    own = (server.url, server.url.replace("http", "ws"))
    page.on("request", lambda req: None if req.url.startswith(own) else external.append(req.url))
    page.goto(server.url + "/")
    page.wait_for_selector("#conn.up", timeout=15_000)
    page.wait_for_selector('#ctx tr[data-key="threshold"]')

    result = run_recipe(project, server.url)
    assert result.returncode == 0, result.stderr

    # Every step's final status, without reloading the page.
    expected = {
        "load": "COMPLETED",
        "clean": "COMPLETED",
        "by_region": "COMPLETED",
        "trend": "COMPLETED",
        "check": "COMPLETED",
        "report": "COMPLETED",
        "publish": "SKIPPED",
    }
    for step, status in expected.items():
        page.wait_for_selector(
            f'#steps tr[data-step="{step}"][data-status="{status}"]', timeout=15_000
        )
    page.wait_for_selector('#run-status[data-status="COMPLETED"]', timeout=15_000)
    durations = page.locator('#steps tr[data-step="load"] td').nth(3).inner_text()
    assert durations.endswith(" s")
    assert float(durations.split()[0]) >= 0.3

    # A value a step changed (0 -> 1163) is in the table and in the change feed.
    row = page.locator('#ctx tr[data-key="sales.rows"]')
    row.get_by_text("1163").wait_for(timeout=15_000)
    assert "clean" in row.inner_text()
    feed = page.locator("#feed tbody").inner_text()
    assert "sales.rows" in feed
    assert "1200 → 1163" in feed
    assert "Q3 sales: 1163 rows" in page.locator("#ctx").inner_text()

    # The search box filters the table.
    page.fill("#filter", "stats.")
    expect(page.locator("#ctx tbody tr")).to_have_count(2)  # no eval: the page's CSP forbids it
    assert set(
        page.locator("#ctx tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    ) == {
        "stats.by_region",
        "stats.trend",
    }
    page.fill("#filter", "")

    # A change made elsewhere shows up live.
    with server.client() as http:
        http.post("/ctx", json={"key": "threshold", "value": 750, "who": "bob"})
    page.locator('#ctx tr[data-key="threshold"]').get_by_text("750").wait_for(timeout=10_000)

    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    if os.environ.get("F0_SAVE_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMAGE), full_page=True)

    # The history of a key.
    page.locator('#ctx tr[data-key="sales.rows"] a.key').click()
    page.wait_for_selector("#history.open")
    expect(page.locator("#history-rows tr")).to_have_count(3)  # no eval: the page's CSP forbids it
    history = page.locator("#history-rows").inner_text()
    assert "alice" in history
    assert "load" in history
    assert "clean" in history
    page.screenshot(path=str(tmp_path / "dashboard-history.png"))
    page.keyboard.press("Escape")
    assert not page.locator("#history.open").count()

    assert not errors, errors
    assert not external, f"the page loaded something from elsewhere: {external}"
    page.close()


def test_a_failing_run_shows_red(browser, start_server, project):
    server = start_server("--store", "memory://")
    with server.client() as http:
        http.post("/ctx", json={"key": "threshold", "value": 5000})
    page = browser.new_page()
    page.goto(server.url + "/")
    page.wait_for_selector("#conn.up", timeout=15_000)
    assert run_recipe(project, server.url).returncode == 1
    page.wait_for_selector('#steps tr[data-step="check"][data-status="FAILED"]', timeout=15_000)
    page.wait_for_selector('#steps tr[data-step="report"][data-status="SKIPPED"]', timeout=15_000)
    page.wait_for_selector('#run-status[data-status="FAILED"]', timeout=15_000)
    color = page.locator('#steps tr[data-step="check"] .badge').evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert color == "rgb(214, 69, 69)"
    page.close()


def test_dashboard_with_a_token(browser, start_server):
    server = start_server("--store", "memory://", "--token", "tok")
    page = browser.new_page()
    response = page.goto(server.url + "/")
    assert response is not None
    assert response.status == 401
    page.goto(server.url + "/?access_token=tok")
    page.wait_for_selector("#conn.up", timeout=15_000)
    with server.client(headers={"Authorization": "Bearer tok"}) as http:
        http.post("/ctx", json={"key": "secret.k", "value": 1})
    page.wait_for_selector('#ctx tr[data-key="secret.k"]', timeout=10_000)
    page.locator('#ctx tr[data-key="secret.k"] a.key').click()
    expect(page.locator("#history-rows tr")).to_have_count(1)  # no eval: the page's CSP forbids it
    assert "unknown" in page.locator("#history-rows").inner_text()
    page.close()


def test_dashboard_links_the_run_to_its_report(browser, start_server, project, tmp_path):
    """With f0-plugin-analytics installed the header links its pages and the run its report."""
    store = f"sqlite:///{project / 'runs.db'}"
    server = start_server("--store", "memory://", "--run-store", store)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failed: list[str] = []  # a blocked script or a CSP violation would show here
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on(
        "console", lambda msg: errors.append(msg.text) if "Content Security" in msg.text else None
    )
    page.goto(server.url + "/")
    page.wait_for_selector("#conn.up", timeout=15_000)
    expect(page.locator('#links a[data-path="/metrics"]')).to_have_text("Metrics")
    expect(page.locator('#links a[data-path="/reports"]')).to_have_text("Reports")

    env = {k: v for k, v in os.environ.items() if not k.startswith("F0_")}
    done = subprocess.run(
        [str(F0), "run", "recipe.yaml", "--store", store, "--json", "-q",
         "--context-server", server.url],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    page.wait_for_selector('#run-status[data-status="COMPLETED"]', timeout=15_000)
    link = page.locator("#run-report")
    expect(link).to_have_attribute("href", f"/reports/{run_id}")
    page.screenshot(path=str(tmp_path / "dashboard-report-link.png"))

    link.click()
    page.wait_for_url(f"**/reports/{run_id}", timeout=15_000)
    page.wait_for_selector("#dag svg", timeout=15_000)  # the report drew its graph
    assert run_id in page.content()
    page.screenshot(path=str(tmp_path / "report-from-dashboard.png"), full_page=True)

    # The header's Reports page lists the run and links it to the same report.
    page.goto(server.url + "/reports")
    expect(page.locator(f'#runs tr[data-run="{run_id}"] a')).to_have_attribute(
        "href", f"reports/{run_id}"
    )
    assert not errors, errors
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    page.close()
