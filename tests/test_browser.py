"""Real-browser smoke test: `streamlit run` the app and open every page in Debian's chromium.

Skipped when the playwright package or a chromium binary is missing
(install the browser with `apt-get install -y chromium`). Screenshots go to
tests/artifacts/screenshots/<page>.png.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for scripts.serve_app

from scripts.serve_app import ServerError, free_port, serve  # noqa: E402

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 60
PAGE_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class PageCase:
    name: str  # screenshot file stem
    path: str  # URL path streamlit gives the page (derived from the file name)
    title: str  # the page's st.title
    expect_chart: bool = False  # turn on once the page draws an Altair chart


PAGES = [
    PageCase("overview", "/", "Faulty deployment detection"),
    PageCase("unsupervised", "/unsupervised", "Unsupervised checks", expect_chart=True),
    PageCase("sequential", "/sequential", "Sequential models", expect_chart=True),
    PageCase("weak_supervision", "/weak_supervision", "Weak supervision", expect_chart=True),
    PageCase("results", "/results", "Results", expect_chart=True),
    PageCase("your_data", "/your_data", "Your data"),
]


def _chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@contextlib.contextmanager
def _streamlit_server():
    """The app on a free port (scripts/serve_app.py); its output (the latest run's) kept beside the screenshots."""
    port = free_port()
    try:
        with serve(port, log=SCREENSHOTS.parent / "streamlit.log", timeout=SERVER_START_TIMEOUT_S) as base:
            yield base
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed: pip install -r requirements-dev.txt"
    )
    chromium = _chromium_path()
    if chromium is None:
        pytest.skip("chromium not found: apt-get install -y chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(browser):
    # Depends on `browser` so that the server is not even started when the test is skipped.
    with _streamlit_server() as base:
        yield base


def _wait_for_app_run(page) -> None:
    """Wait until the app is connected and its script has finished running."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=PAGE_TIMEOUT_MS
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=PAGE_TIMEOUT_MS
    )
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(300)  # let the last deltas paint


def check_page(browser, base: str, case: PageCase) -> list[str]:
    """Open one page, screenshot it, and return the problems found (empty when the page is fine)."""
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(base + case.path, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
        _wait_for_app_run(page)
        heading = page.get_by_role("heading", name=case.title, exact=True)
        heading.first.wait_for(timeout=PAGE_TIMEOUT_MS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{case.name}.png"), full_page=True)

        exceptions = page.locator("[data-testid='stException']")
        if exceptions.count():
            problems.append(f"{case.path}: exception shown: {exceptions.first.inner_text()[:500]}")
        sidebar = page.get_by_test_id("stSidebar")
        for label in ("Fleet size", "Seed"):
            if not sidebar.get_by_text(label, exact=True).count():
                problems.append(f"{case.path}: sidebar control {label!r} missing")
        if page.title() != "fdd — faulty deployment detection":
            problems.append(f"{case.path}: browser title is {page.title()!r}")
        if case.expect_chart and page.locator("[data-testid='stVegaLiteChart']").count() < 1:
            problems.append(f"{case.path}: expected at least one chart")
    finally:
        page.close()
    return problems


def test_every_page_renders_in_chromium(browser, server):
    # The first visit opens the root, as a user does; then every page by its own URL.
    problems: list[str] = []
    for case in PAGES:
        problems += check_page(browser, server, case)
    assert not problems, "\n".join(problems)


def test_navigation_links_match_page_paths(browser, server):
    page = browser.new_page()
    try:
        page.goto(server + "/", timeout=PAGE_TIMEOUT_MS)
        _wait_for_app_run(page)
        links = page.locator("[data-testid='stSidebarNav'] a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        texts = [links.nth(i).inner_text().strip() for i in range(links.count())]
    finally:
        page.close()
    paths = ["/" + href.split("://", 1)[-1].split("/", 1)[-1].split("?")[0] for href in hrefs]
    assert paths == [case.path for case in PAGES]
    assert texts == [
        "Overview", "Unsupervised checks", "Sequential models", "Weak supervision", "Results", "Your data",
    ]


def test_shared_link_reproduces_the_fleet(browser, server):
    page = browser.new_page()
    try:
        page.goto(server + "/results?n=5000&seed=42", timeout=PAGE_TIMEOUT_MS)
        _wait_for_app_run(page)
        seed = page.get_by_test_id("stSidebar").get_by_label("Seed", exact=True)
        assert seed.input_value() == "42"
        assert "5000" in page.get_by_test_id("stSidebar").get_by_test_id("stSlider").inner_text()
        assert "n=5000" in page.url and "seed=42" in page.url
    finally:
        page.close()


def test_deep_link_on_a_fresh_server(browser):
    with _streamlit_server() as base:
        first = PAGES[4]
        problems = check_page(browser, base, PageCase(first.name + "_deep_link_first", first.path, first.title))
    assert not problems, "\n".join(problems)


def test_one_server_helper_for_tests_and_screenshots():
    import importlib.util
    import urllib.request

    script = ROOT / "docs" / "screenshots" / "take_screenshots.py"
    spec = importlib.util.spec_from_file_location("take_screenshots", script)
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    assert screenshots.serve is serve  # no second copy of the start-and-wait code
    with serve() as base:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as resp:
            assert resp.read().strip() == b"ok"
    with pytest.raises(OSError):  # stopped when the block ends
        urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
